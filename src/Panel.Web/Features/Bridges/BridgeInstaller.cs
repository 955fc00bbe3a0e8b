using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Bridges;

/// <summary>
/// Makes a bridge real: its database, its files, its registration in Synapse (with a restart that
/// is rolled back when Synapse does not come back), and its container, until the homeserver reaches
/// it. Every step looks at what exists first, so that a retry or the reconciler finishes the job.
/// </summary>
public sealed partial class BridgeInstaller(
    IContainerRuntime docker,
    IHomeserverAdminFactory admins,
    IDbContextFactory<PanelDbContext> contexts,
    ISecretProtector secrets,
    BridgeCatalog catalog,
    HomeserverInstaller homeserver,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<BridgeOptions> options,
    TimeProvider clock,
    ILogger<BridgeInstaller> logger)
{
    public const string HomeserverAddress = "http://synapse:8008";

    public static readonly IReadOnlyList<(string Key, string Title)> InstallSteps =
    [
        ("image", "Get the image"),
        ("database", "Create the bridge's database"),
        ("files", "Write the registration and the bridge's config"),
        ("synapse", "Add the registration to Synapse and restart it"),
        ("start", "Start the bridge and wait until Synapse reaches it"),
        ("login", "Log in to the bridge"),
    ];

    public static readonly IReadOnlyList<(string Key, string Title)> UninstallSteps =
    [
        ("container", "Remove the bridge's container"),
        ("synapse", "Remove the registration from Synapse and restart it"),
        ("data", "The bridge's data"),
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task InstallAsync(Guid id, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        var secret = ReadSecrets(bridge);
        try
        {
            progress.Start("image");
            await docker.EnsureAsync(bridge.Image, progress, "image", cancellationToken);
            progress.Done("image", bridge.Image);

            progress.Start("database");
            progress.Done("database", await EnsureDatabaseAsync(bridge, secret, d, cancellationToken));

            progress.Start("files");
            await PrepareContainerAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
            await WriteRegistrationAsync(entry, secret, d, cancellationToken);
            progress.Done("files", $"Registration {SynapseLayout.AppServiceRegistrationPath(entry.Id)} in Synapse's volume" +
                (entry.Files.Config is null ? "." : $", config {BridgeCatalog.DataDirectory}/{entry.Files.Config} in {names.BridgeData(entry.Id, d.DataGeneration)}."));

            progress.Start("synapse", "Restarting Synapse with the registration…");
            await UpdateAsync(id, b => b.SetRegistered(true), cancellationToken);
            try
            {
                await RestartSynapseAsync(d, progress, "synapse", cancellationToken);
            }
            catch (DomainException failure)
            {
                progress.Fail("synapse", "Synapse did not come back healthy; removing the registration again…");
                await UnregisterAsync(id, entry, d, null, cancellationToken);
                throw new DomainException($"Synapse did not come back healthy after {entry.Definition.Name}'s registration was added, so the registration was removed and Synapse restarted without it. {failure.Message}");
            }

            progress.Done("synapse", "Synapse loaded the registration and is healthy.");

            progress.Start("start");
            await docker.StartAsync(names.Bridge(entry.Id), cancellationToken);
            var ping = await WaitReadyAsync(entry, secret, d, progress, "start", cancellationToken);
            progress.Done("start", ping);

            progress.Start("login");
            await UpdateAsync(id, b => b.MarkInstalled(clock.GetUtcNow()), cancellationToken);
            progress.Done("login", entry.Definition.Instructions(d.ServerName));
            LogInstalled(logger, entry.Id);
        }
        catch (Exception ex) when (OperationFailure.Fails(ex, cancellationToken))
        {
            var reason = OperationFailure.Describe(ex);
            try
            {
                // Leave nothing half-done: no container, no registration. The volume and the database
                // stay, so that a retry finds them.
                await docker.RemoveAsync(names.Bridge(entry.Id), CancellationToken.None);
                if ((await LoadAsync(id, CancellationToken.None)).Bridge.Registered)
                {
                    await UnregisterAsync(id, entry, d, null, CancellationToken.None);
                }
            }
            catch (Exception cleanup)
            {
                reason += $" (Cleaning up also failed: {OperationFailure.Describe(cleanup)})";
            }

            await UpdateAsync(id, b => b.MarkFailed(reason), CancellationToken.None);
            throw new DomainException(reason, ex);
        }
    }

    public async Task UninstallAsync(Guid id, bool deleteData, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        await UpdateAsync(id, b => b.MarkUninstalling(), cancellationToken);

        progress.Start("container");
        await docker.RemoveAsync(names.Bridge(entry.Id), cancellationToken);
        await docker.RemoveAsync(names.BridgePrevious(entry.Id), cancellationToken);
        progress.Done("container", $"{names.Bridge(entry.Id)} is removed.");

        if (bridge.Registered)
        {
            progress.Start("synapse");
            await UnregisterAsync(id, entry, d, progress, cancellationToken);
            progress.Done("synapse", "Synapse runs without the registration and is healthy.");
        }
        else
        {
            progress.Skip("synapse", "The registration was not loaded.");
        }

        if (deleteData)
        {
            progress.Start("data");
            await DropDatabaseAsync(bridge, d, cancellationToken);
            await docker.RemoveVolumeAsync(names.BridgeData(entry.Id, d.DataGeneration), cancellationToken);
            progress.Done("data", $"Deleted the volume {names.BridgeData(entry.Id, d.DataGeneration)}" + (bridge.DatabaseKind == BridgeDatabaseKind.Postgres ? $" and the database {HomeserverNames.BridgeDatabase(entry.Id)}." : "."));
        }
        else
        {
            progress.Skip("data", $"Kept: the volume {names.BridgeData(entry.Id, d.DataGeneration)}" + (bridge.DatabaseKind == BridgeDatabaseKind.Postgres ? $" and the database {HomeserverNames.BridgeDatabase(entry.Id)}" : "") + ". Installing the bridge again uses them.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Bridges.Where(b => b.Id == id).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task RestartAsync(Guid id, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        progress.Start("restart");
        if (await docker.InspectAsync(names.Bridge(entry.Id), cancellationToken) is null)
        {
            await PrepareContainerAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
            await docker.StartAsync(names.Bridge(entry.Id), cancellationToken);
        }
        else
        {
            await docker.RestartAsync(names.Bridge(entry.Id), TimeSpan.FromSeconds(20), cancellationToken);
        }

        progress.Done("restart");
        progress.Start("ready");
        progress.Done("ready", await WaitReadyAsync(entry, ReadSecrets(bridge), d, progress, "ready", cancellationToken));
    }

    /// <summary>Recreates the bridge with another image and the same volume; rolls back when it does not become ready.</summary>
    public async Task UpgradeAsync(Guid id, string image, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        var secret = ReadSecrets(bridge);
        var name = names.Bridge(entry.Id);
        var previous = names.BridgePrevious(entry.Id);
        progress.Start("image");
        await docker.EnsureAsync(image, progress, "image", cancellationToken);
        progress.Done("image", image);

        progress.Start("replace", $"{bridge.Image} → {image}");
        try
        {
            await docker.ReplaceAsync(new SwapPlan(name, previous, TimeSpan.FromSeconds(20),
                c => PrepareContainerAsync(bridge, entry, d, image, name, c),
                async c =>
                {
                    progress.Start("ready");
                    progress.Done("ready", await WaitReadyAsync(entry, secret, d, progress, "ready", c));
                }), progress, "replace", cancellationToken);
        }
        catch (ContainerSwapException swap)
        {
            throw new DomainException(swap.Rollback switch
            {
                SwapRollback.Running => $"{image} did not become ready, so {bridge.Image} is running again. {swap.Reason}",
                SwapRollback.PreviousGone => $"{image} did not become ready, and the previous container is gone. {swap.Reason}",
                _ => $"{image} did not become ready, and {bridge.Image} did not come back either: {swap.RollbackFailure} (the new image: {swap.Reason})",
            }, swap);
        }

        await UpdateAsync(id, b => b.Upgraded(image), cancellationToken);
    }

    /// <summary>
    /// One reconciler pass over the bridges: brings back missing containers and registrations
    /// (after a restore, say), starts what should run, and removes containers nobody wants.
    /// </summary>
    public async Task ReconcileAsync(HomeserverDeployment d, IReadOnlyList<ContainerInfo> owned, CancellationToken cancellationToken)
    {
        List<Bridge> bridges;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            bridges = await db.Bridges.AsNoTracking().ToListAsync(cancellationToken);
        }

        var wanted = bridges.Select(b => names.Bridge(b.CatalogId)).Concat(bridges.Select(b => names.BridgePrevious(b.CatalogId))).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in owned.Where(c => c.Component == ContainerComponents.Bridge && !wanted.Contains(c.Name)))
        {
            LogOrphan(logger, orphan.Name);
            await docker.RemoveAsync(orphan.Id, cancellationToken);
        }

        var missingRegistration = false;
        foreach (var bridge in bridges.Where(b => b.Phase == BridgePhase.Installed))
        {
            if (catalog.Find(bridge.CatalogId) is not { } entry)
            {
                continue;
            }

            if (bridge.Registered && await docker.ReadFileAsync(names.Synapse, SynapseLayout.AppServiceRegistrationPath(entry.Id), cancellationToken) is null)
            {
                await WriteRegistrationAsync(entry, ReadSecrets(bridge), d, cancellationToken);
                missingRegistration = true;
            }

            var container = owned.FirstOrDefault(c => c.Name == names.Bridge(entry.Id));
            if (container is null && await docker.ImageExistsAsync(bridge.Image, cancellationToken))
            {
                LogRecreating(logger, entry.Id);
                await PrepareContainerAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
                await docker.StartAsync(names.Bridge(entry.Id), cancellationToken);
            }
            else if (container is { State: "created" })
            {
                await docker.StartAsync(container.Id, cancellationToken);
            }
            else if (container is { State: "paused" })
            {
                // Frozen by a backup that did not get to thaw it (the panel died during the copy).
                LogThawing(logger, entry.Id);
                await docker.UnpauseAsync(container.Id, cancellationToken);
            }
        }

        if (missingRegistration)
        {
            // Synapse only reads registrations when it starts.
            await homeserver.WriteConfigAsync(d, names.Synapse, cancellationToken);
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        }
    }

    /// <summary>Asks the homeserver to ping the bridge.</summary>
    public async Task<AppServicePing> PingAsync(Bridge bridge, HomeserverDeployment d, CancellationToken cancellationToken) =>
        await admins.PingAppServiceAsync(endpoint.BaseUrlFor(d), bridge.CatalogId, ReadSecrets(bridge).AsToken, cancellationToken);

    public BridgeContext BuildContext(Bridge bridge, BridgeCatalogEntry entry, HomeserverDeployment d)
    {
        var secret = ReadSecrets(bridge);
        var choices = ReadChoices(bridge);
        var database = HomeserverNames.BridgeDatabase(entry.Id);
        return new BridgeContext
        {
            ServerName = d.ServerName,
            HomeserverAddress = HomeserverAddress,
            AppServiceAddress = AppServiceAddress(entry),
            AsToken = secret.AsToken,
            HsToken = secret.HsToken,
            Database = bridge.DatabaseKind,
            DatabaseUri = bridge.DatabaseKind switch
            {
                BridgeDatabaseKind.Postgres => $"postgres://{database}:{secret.DatabasePassword}@db/{database}?sslmode=disable",
                BridgeDatabaseKind.Sqlite => $"file:{BridgeCatalog.DataDirectory}/{entry.Id}.db?_txlock=immediate",
                _ => "",
            },
            Owner = choices.Owner,
            Settings = choices.Settings.Concat(secret.SecretSettings).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            Randoms = secret.Randoms,
        };
    }

    public string AppServiceAddress(BridgeCatalogEntry entry) =>
        $"http://{names.Bridge(entry.Id)}:{entry.Definition.Port.ToString(CultureInfo.InvariantCulture)}";

    internal BridgeSecrets ReadSecrets(Bridge bridge) =>
        JsonSerializer.Deserialize<BridgeSecrets>(secrets.Unprotect(bridge.SecretsProtected), Json)!;

    internal string ProtectSecrets(BridgeSecrets value) => secrets.Protect(JsonSerializer.Serialize(value, Json));

    internal static BridgeChoices ReadChoices(Bridge bridge) =>
        JsonSerializer.Deserialize<BridgeChoices>(bridge.SettingsJson, Json) ?? new BridgeChoices([], null);

    internal static string WriteChoices(BridgeChoices choices) => JsonSerializer.Serialize(choices, Json);

    private async Task<string> EnsureDatabaseAsync(Bridge bridge, BridgeSecrets secret, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        switch (bridge.DatabaseKind)
        {
            case BridgeDatabaseKind.Postgres:
                var database = HomeserverNames.BridgeDatabase(bridge.CatalogId);
                await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
                await CreateDatabaseAsync(names.Postgres, database, secret.DatabasePassword!, cancellationToken);
                return $"PostgreSQL database {database} (owner {database}) in {names.Postgres}.";
            case BridgeDatabaseKind.Sqlite:
                return $"SQLite: {BridgeCatalog.DataDirectory}/{bridge.CatalogId}.db in the volume {names.BridgeData(bridge.CatalogId, d.DataGeneration)}.";
            default:
                return "This bridge needs no database.";
        }
    }

    /// <summary>Creates (or updates) a bridge's role and database in a PostgreSQL container; also used by restores.</summary>
    internal async Task CreateDatabaseAsync(string container, string database, string password, CancellationToken cancellationToken)
    {
        // Identifiers are the panel's own (bridge_<id>); the password is random URL-safe text. Both go
        // through stdin, so the password is never on a command line.
        var sql = $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{database}') THEN
                CREATE ROLE {database} LOGIN PASSWORD '{password}';
              ELSE
                ALTER ROLE {database} LOGIN PASSWORD '{password}';
              END IF;
            END $$;
            SELECT 'CREATE DATABASE {database} OWNER {database} ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0'
              WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')\gexec
            """;
        await PsqlAsync(container, sql, cancellationToken);
    }

    private async Task DropDatabaseAsync(Bridge bridge, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (bridge.DatabaseKind != BridgeDatabaseKind.Postgres || d.Database != HomeserverDatabase.Postgres)
        {
            return;
        }

        var database = HomeserverNames.BridgeDatabase(bridge.CatalogId);
        await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
        await PsqlAsync(names.Postgres, $"DROP DATABASE IF EXISTS {database} WITH (FORCE);\nDROP ROLE IF EXISTS {database};\n", cancellationToken);
    }

    private async Task PsqlAsync(string container, string sql, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(sql));
        var result = await docker.ExecAsync(container,
            PostgresCommands.Script(),
            null, cancellationToken, input);
        if (result.ExitCode != 0)
        {
            throw new DomainException($"PostgreSQL refused to set up the bridge's database: {result.StandardError.Trim()}");
        }
    }

    /// <summary>Creates the bridge's container (not started) with its volume, and writes its files into the volume.</summary>
    private async Task PrepareContainerAsync(Bridge bridge, BridgeCatalogEntry entry, HomeserverDeployment d, string image, string name, CancellationToken cancellationToken)
    {
        var context = BuildContext(bridge, entry, d);
        await docker.EnsureVolumeAsync(names.BridgeData(entry.Id, d.DataGeneration), new Dictionary<string, string>(), cancellationToken);
        await docker.EnsureNetworkAsync(names.Network, new Dictionary<string, string>(), cancellationToken);
        if (await docker.InspectAsync(name, cancellationToken) is { } existing)
        {
            await docker.RemoveAsync(existing.Id, cancellationToken);
        }

        await docker.CreateAsync(new ContainerSpec
        {
            Name = name,
            Image = image,
            Component = ContainerComponents.Bridge,
            Labels = new Dictionary<string, string> { [BridgeLabel] = entry.Id },
            Command = BridgeFilesGenerator.Command(entry, context),
            Network = names.Network,
            Volumes = new Dictionary<string, string> { [names.BridgeData(entry.Id, d.DataGeneration)] = BridgeCatalog.DataDirectory },
            RestartPolicy = "unless-stopped",
        }, cancellationToken);

        var files = new List<ContainerFile>();
        if (BridgeFilesGenerator.Config(entry, context) is { } config)
        {
            files.Add(new ContainerFile(entry.Files.Config!, Encoding.UTF8.GetBytes(config), entry.Files.Uid, entry.Files.Gid, 0b110_000_000));
        }

        if (entry.Files.Registration is { } registrationFile)
        {
            files.Add(new ContainerFile(registrationFile, Encoding.UTF8.GetBytes(Registration(entry, context)), entry.Files.Uid, entry.Files.Gid, 0b110_000_000));
        }

        if (files.Count > 0)
        {
            await docker.WriteFilesAsync(name, BridgeCatalog.DataDirectory, files, cancellationToken);
        }
    }

    public const string BridgeLabel = "homeserver-panel.bridge";

    private string Registration(BridgeCatalogEntry entry, BridgeContext context) => BridgeFilesGenerator.Registration(
        AppServiceRegistration.For(entry.Definition, context.ServerName, context.AppServiceAddress, context.AsToken, context.HsToken), entry.RegistrationExtra);

    private async Task WriteRegistrationAsync(BridgeCatalogEntry entry, BridgeSecrets secret, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var yaml = BridgeFilesGenerator.Registration(
            AppServiceRegistration.For(entry.Definition, d.ServerName, AppServiceAddress(entry), secret.AsToken, secret.HsToken), entry.RegistrationExtra);
        await docker.WriteFilesAsync(names.Synapse, SynapseConfig.DataDirectory,
            [new ContainerFile($"{SynapseLayout.AppServiceDirectory}/{entry.Id}.yaml", Encoding.UTF8.GetBytes(yaml), SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_000_000)],
            cancellationToken);
    }

    /// <summary>Takes the registration out of homeserver.yaml, deletes its file, restarts Synapse and waits for it.</summary>
    private async Task UnregisterAsync(Guid id, BridgeCatalogEntry entry, HomeserverDeployment d, OperationContext? progress, CancellationToken cancellationToken)
    {
        await UpdateAsync(id, b => b.SetRegistered(false), cancellationToken);
        try
        {
            if (await docker.InspectAsync(names.Synapse, cancellationToken) is { IsRunning: true })
            {
                await docker.ExecAsync(names.Synapse, ["rm", "-f", SynapseLayout.AppServiceRegistrationPath(entry.Id)], null, cancellationToken);
            }
        }
        catch (DomainException)
        {
            // Synapse is between two crashes: the file stays, but homeserver.yaml no longer lists it.
        }

        await RestartSynapseAsync(d, progress, "synapse", cancellationToken);
    }

    private async Task RestartSynapseAsync(HomeserverDeployment d, OperationContext? progress, string step, CancellationToken cancellationToken)
    {
        await homeserver.WriteConfigAsync(d, names.Synapse, cancellationToken);
        if (await docker.InspectAsync(names.Synapse, cancellationToken) is { IsRunning: true })
        {
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        }
        else
        {
            await docker.StartAsync(names.Synapse, cancellationToken);
        }

        await homeserver.WaitHealthyAsync(progress ?? OperationContext.Silent, step, d, cancellationToken);
    }

    /// <summary>Waits until the homeserver reaches the bridge, failing early with its log when it keeps dying.</summary>
    private async Task<string> WaitReadyAsync(BridgeCatalogEntry entry, BridgeSecrets secret, HomeserverDeployment d, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.ReadyTimeoutSeconds);
        var started = clock.GetUtcNow();
        var name = names.Bridge(entry.Id);
        AppServicePing? last = null;
        var restartsBefore = (await docker.InspectAsync(name, cancellationToken))?.RestartCount ?? 0;
        while (clock.GetUtcNow() - started < timeout)
        {
            var container = await docker.InspectAsync(name, cancellationToken) ?? throw new DomainException($"The container {name} disappeared.");
            if (container.State is "exited" or "dead" || container.RestartCount - restartsBefore >= 2 || container.OomKilled)
            {
                throw new DomainException($"{entry.Definition.Name} stopped while starting (exit code {container.ExitCode}). Its last log lines:\n{await homeserver.LastLogLinesAsync(name, cancellationToken)}");
            }

            last = await admins.PingAppServiceAsync(endpoint.BaseUrlFor(d), entry.Id, secret.AsToken, cancellationToken);
            if (last.IsUp)
            {
                return last.DurationMs is { } ms
                    ? $"Synapse pings the bridge: answered in {ms} ms."
                    : $"Synapse reaches the bridge ({last.Detail}).";
            }

            var waited = clock.GetUtcNow() - started;
            progress.Progress(step, Math.Min(95, waited / timeout * 100), $"Waiting for the bridge to answer Synapse's ping… ({(int)waited.TotalSeconds} s: {last.Detail})");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        throw new DomainException($"{entry.Definition.Name} did not answer Synapse's ping within {(int)timeout.TotalSeconds} s ({last?.Detail}). Its last log lines:\n{await homeserver.LastLogLinesAsync(name, cancellationToken)}");
    }

    private async Task<(Bridge Bridge, BridgeCatalogEntry Entry, HomeserverDeployment Deployment)> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bridge = await db.Bridges.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such bridge.");
        var d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed })
        {
            throw new ConflictException("Bridges need a homeserver that the panel installed and runs.");
        }

        var entry = catalog.Find(bridge.CatalogId) ?? throw new DomainException($"The catalog no longer has '{bridge.CatalogId}'.");
        return (bridge, entry, d);
    }

    private async Task UpdateAsync(Guid id, Action<Bridge> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bridge = await db.Bridges.SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (bridge is not null)
        {
            change(bridge);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bridge {CatalogId} is installed and reachable")]
    private static partial void LogInstalled(ILogger logger, string catalogId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing the orphaned bridge container {Name}")]
    private static partial void LogOrphan(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recreating the missing container of bridge {CatalogId}")]
    private static partial void LogRecreating(ILogger logger, string catalogId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bridge {CatalogId} was left paused; unpausing it")]
    private static partial void LogThawing(ILogger logger, string catalogId);
}
