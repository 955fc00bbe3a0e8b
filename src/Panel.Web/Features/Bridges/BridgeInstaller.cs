using System.Text;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Infrastructure.Persistence;
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
    IDbContextFactory<PanelDbContext> contexts,
    BridgeRecords records,
    BridgeDatabases databases,
    BridgeContainer container,
    BridgeCatalog catalog,
    HomeserverContainers homeserver,
    HomeserverNames names,
    TimeProvider clock,
    ILogger<BridgeInstaller> logger)
{
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

    public async Task InstallAsync(Guid id, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        var secret = records.ReadSecrets(bridge);
        try
        {
            progress.Start("image");
            await docker.EnsureAsync(bridge.Image, progress, "image", cancellationToken);
            progress.Done("image", bridge.Image);

            progress.Start("database");
            progress.Done("database", await databases.EnsureAsync(bridge, secret, d, cancellationToken));

            progress.Start("files");
            await container.PrepareAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
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
            var ping = await container.WaitReadyAsync(entry, secret, d, progress, "start", cancellationToken);
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
            await databases.DropAsync(bridge, d, cancellationToken);
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
            await container.PrepareAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
            await docker.StartAsync(names.Bridge(entry.Id), cancellationToken);
        }
        else
        {
            await docker.RestartAsync(names.Bridge(entry.Id), TimeSpan.FromSeconds(20), cancellationToken);
        }

        progress.Done("restart");
        progress.Start("ready");
        progress.Done("ready", await container.WaitReadyAsync(entry, records.ReadSecrets(bridge), d, progress, "ready", cancellationToken));
    }

    /// <summary>Recreates the bridge with another image and the same volume; rolls back when it does not become ready.</summary>
    public async Task UpgradeAsync(Guid id, string image, OperationContext progress, CancellationToken cancellationToken)
    {
        var (bridge, entry, d) = await LoadAsync(id, cancellationToken);
        var secret = records.ReadSecrets(bridge);
        var name = names.Bridge(entry.Id);
        var previous = names.BridgePrevious(entry.Id);
        progress.Start("image");
        await docker.EnsureAsync(image, progress, "image", cancellationToken);
        progress.Done("image", image);

        progress.Start("replace", $"{bridge.Image} → {image}");
        try
        {
            await docker.ReplaceAsync(new SwapPlan(name, previous, TimeSpan.FromSeconds(20),
                c => container.PrepareAsync(bridge, entry, d, image, name, c),
                async c =>
                {
                    progress.Start("ready");
                    progress.Done("ready", await container.WaitReadyAsync(entry, secret, d, progress, "ready", c));
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
                await WriteRegistrationAsync(entry, records.ReadSecrets(bridge), d, cancellationToken);
                missingRegistration = true;
            }

            var existing = owned.FirstOrDefault(c => c.Name == names.Bridge(entry.Id));
            if (existing is null && await docker.ImageExistsAsync(bridge.Image, cancellationToken))
            {
                LogRecreating(logger, entry.Id);
                await container.PrepareAsync(bridge, entry, d, bridge.Image, names.Bridge(entry.Id), cancellationToken);
                await docker.StartAsync(names.Bridge(entry.Id), cancellationToken);
            }
            else if (existing is { State: "created" })
            {
                await docker.StartAsync(existing.Id, cancellationToken);
            }
            else if (existing is { State: "paused" })
            {
                // Frozen by a backup that did not get to thaw it (the panel died during the copy).
                LogThawing(logger, entry.Id);
                await docker.UnpauseAsync(existing.Id, cancellationToken);
            }
        }

        if (missingRegistration)
        {
            // Synapse only reads registrations when it starts.
            await homeserver.WriteConfigAsync(d, names.Synapse, cancellationToken);
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        }
    }

    private async Task WriteRegistrationAsync(BridgeCatalogEntry entry, BridgeSecrets secret, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var yaml = BridgeFilesGenerator.Registration(
            AppServiceRegistration.For(entry.Definition, d.ServerName, container.AppServiceAddress(entry), secret.AsToken, secret.HsToken), entry.RegistrationExtra);
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
