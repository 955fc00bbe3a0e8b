using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// The homeserver's containers as every feature needs them: Synapse's container (created for the
/// current settings, or brought back), its homeserver.yaml, its PostgreSQL running, and the wait
/// until Synapse is healthy, failing early with its last log lines. Install, lifecycle, bridges,
/// backups and the reconciler all go through here.
/// </summary>
public sealed partial class HomeserverContainers(
    IContainerRuntime docker,
    IDbContextFactory<PanelDbContext> contexts,
    IHomeserverAdminFactory admins,
    HomeserverAccess access,
    ISecretProtector secrets,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<HomeserverOptions> options,
    IOptions<Panel.Infrastructure.Federation.FederationProbeOptions> federation,
    IConfiguration configuration,
    TimeProvider clock)
{
    /// <summary>
    /// The command Synapse is started with when its image names none (a plain <c>docker import</c> of a
    /// root): what the official image's entry point does, in a line of shell. The container itself runs
    /// as root and drops to UID 991 with setpriv (util-linux, in every Debian root), because the engine
    /// copies files into a container as its configured user, and resolves that user in the image's
    /// passwd file, which has no 991.
    /// </summary>
    public static readonly IReadOnlyList<string> ExplicitSynapseCommand = SynapseProcessCommand(SynapseModule);

    /// <summary>A Synapse process (the main one or a worker) started as the official image's user would start it, in a line of shell.</summary>
    public static IReadOnlyList<string> SynapseProcessCommand(string command) =>
    [
        "sh", "-c",
        $"chown {SynapseConfig.SynapseUid}:{SynapseConfig.SynapseUid} {SynapseConfig.DataDirectory}; " +
        // jemalloc where the image has it, as the images' own entry points preload it.
        "for lib in /usr/lib/*-linux-gnu/libjemalloc.so.2; do if [ -f \"$lib\" ]; then export LD_PRELOAD=\"$lib\"; fi; done; " +
        $"if command -v setpriv >/dev/null 2>&1; then exec setpriv --reuid={SynapseConfig.SynapseUid} --regid={SynapseConfig.SynapseUid} --clear-groups {command}; " +
        $"else echo 'setpriv is missing: Synapse runs as root' >&2; exec {command}; fi",
    ];

    /// <summary>PostgreSQL's host name for Synapse, on every network the two share.</summary>
    public const string DatabaseAlias = "db";

    internal const string SynapseModule = "python3 -m synapse.app.homeserver --config-path " + SynapseConfig.ConfigPath;

    /// <summary>Creates the Synapse container for the current settings (also used by upgrades and the reconciler).</summary>
    public async Task<string> CreateSynapseContainerAsync(HomeserverDeployment deployment, string image, CancellationToken cancellationToken)
    {
        var port = deployment.HostPort ?? throw new InvalidOperationException("No host port was assigned.");
        // The official image (and ours) start Synapse through their entry point, which drops to UID
        // 991. An image with neither entry point nor command would be refused by the engine ("No
        // command specified"): run Synapse's module directly, as the official image's user would.
        var info = await docker.InspectImageAsync(image, cancellationToken)
            ?? throw new ImageUnavailableException($"The image {image} is not on this machine.");
        return await docker.CreateAsync(new ContainerSpec
        {
            Name = names.Synapse,
            Image = image,
            Command = info.RunsNothing ? ExplicitSynapseCommand : null,
            Component = ContainerComponents.Homeserver,
            Environment = new Dictionary<string, string>
            {
                ["SYNAPSE_CONFIG_PATH"] = SynapseConfig.ConfigPath,
                ["UID"] = SynapseConfig.SynapseUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["GID"] = SynapseConfig.SynapseUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            Network = names.Network,
            NetworkAliases = ["synapse"],
            Volumes = new Dictionary<string, string> { [names.SynapseData(deployment.DataGeneration)] = SynapseConfig.DataDirectory },
            Ports = [new PortPublication(SynapseConfig.ClientPort, "127.0.0.1", port)],
            MemoryLimitBytes = deployment.MemoryLimitBytes,
            RestartPolicy = "unless-stopped",
            // python3 is in both the official and the Debian-built image; curl is not.
            HealthCheck = new HealthCheckSpec(
                ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8008/health', timeout=4)"],
                TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(60)),
        }, cancellationToken);
    }

    /// <summary>Makes sure Synapse's container exists with the wanted image and its config (the reconciler, start, restore, a rollback).</summary>
    public async Task EnsureSynapseContainerAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var container = await docker.InspectAsync(names.Synapse, cancellationToken);
        if (container is not null && container.Image == d.SynapseImage)
        {
            return;
        }

        if (container is not null)
        {
            await docker.RemoveAsync(container.Id, cancellationToken);
        }

        await docker.EnsureNetworkAsync(names.Network, new Dictionary<string, string>(), cancellationToken);
        await CreateSynapseContainerAsync(d, d.SynapseImage, cancellationToken);
        await WriteConfigAsync(d, names.Synapse, cancellationToken);
    }

    /// <summary>
    /// Writes homeserver.yaml (and the signing key, unless the volume already has one) into the Synapse
    /// container. It lists the registrations of the bridges the database marks as registered, and the
    /// panel's own history appservice when it is.
    /// </summary>
    public async Task WriteConfigAsync(HomeserverDeployment deployment, string container, CancellationToken cancellationToken)
    {
        List<string> appServiceFiles;
        var publishers = new List<string>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var ids = await db.Bridges.Where(b => b.Registered).Select(b => b.CatalogId).ToListAsync(cancellationToken);
            if (await db.HistoryAppServices.AnyAsync(a => a.Registered, cancellationToken))
            {
                // The panel's own appservice for imported history, registered as bridges are; its bot
                // lists imported public channels in the room directory.
                ids.Add(Panel.Domain.History.HistoryAppService.AppServiceId);
                publishers.Add($"@{Panel.Domain.History.HistoryAppService.BotLocalpart}:{deployment.ServerName}");
            }

            appServiceFiles = ids.Order(StringComparer.Ordinal).Select(SynapseLayout.AppServiceRegistrationPath).ToList();
        }

        var caFiles = await FederationCaFilesAsync(container, cancellationToken);
        var yaml = SynapseConfig.Generate(BuildConfigInput(deployment, appServiceFiles) with
        {
            DirectoryPublishers = publishers,
            FederationCaFiles = caFiles.Select(f => $"{SynapseConfig.DataDirectory}/{f.Name}").ToList(),
        });
        var files = new List<ContainerFile>
        {
            // The volume's top belongs to Synapse's user, as the official image's entry point leaves
            // it: an image without one (run as UID 991 directly) could not write its database otherwise.
            new("./", [], SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b111_101_101),
            new("homeserver.yaml", Encoding.UTF8.GetBytes(yaml), SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_000_000),
        };
        AddDirectory(files, SynapseWorkerConfig.WorkerDirectory, deployment.Workers.Workers().Select(w => new ContainerFile(
            $"{SynapseWorkerConfig.WorkerDirectory}/{w.Name}.yaml", Encoding.UTF8.GetBytes(SynapseWorkerConfig.WorkerYaml(w)), SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_000_000)).ToList());
        AddDirectory(files, SynapseConfig.FederationCaDirectory, caFiles);

        var existingKey = await docker.ReadFileAsync(container, SynapseConfig.DataDirectory + "/" + SynapseConfig.SigningKeyFile, cancellationToken);
        if (existingKey is null)
        {
            var key = secrets.Unprotect(deployment.SigningKeyProtected ?? secrets.Protect(SynapseConfig.NewSigningKey()));
            files.Add(new ContainerFile(SynapseConfig.SigningKeyFile, Encoding.UTF8.GetBytes(key), SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_000_000));
        }
        else if (deployment.SigningKeyProtected is null || secrets.Unprotect(deployment.SigningKeyProtected) != Encoding.UTF8.GetString(existingKey))
        {
            // The volume's key wins: it is the server's identity to the rest of the federation.
            var kept = Encoding.UTF8.GetString(existingKey);
            await access.ChangeAsync(d => d.SetSigningKey(secrets.Protect(kept)), cancellationToken);
        }

        await docker.WriteFilesAsync(container, SynapseConfig.DataDirectory, files, cancellationToken);
    }

    /// <summary>A directory of Synapse's user in the volume, with its files; nothing when there are none.</summary>
    private static void AddDirectory(List<ContainerFile> files, string directory, IReadOnlyList<ContainerFile> entries)
    {
        if (entries.Count > 0)
        {
            files.Add(new ContainerFile(directory + "/", [], SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b111_101_101));
            files.AddRange(entries);
        }
    }

    /// <summary>
    /// A private federation's CA (<c>Panel:Federation:TrustedCaFile</c>, which the self-check trusts too)
    /// for Synapse's <c>federation_custom_ca_list</c>. That list replaces the system's CAs, so the image's
    /// own ones go in with it and public servers stay trusted; Synapse reads one certificate per file.
    /// None when no CA is configured.
    /// </summary>
    private async Task<List<ContainerFile>> FederationCaFilesAsync(string container, CancellationToken cancellationToken)
    {
        if (federation.Value.TrustedCaFile is not { Length: > 0 } file)
        {
            return [];
        }

        var system = await docker.ReadFileAsync(container, "/etc/ssl/certs/ca-certificates.crt", cancellationToken) ?? [];
        var pem = await File.ReadAllTextAsync(file, cancellationToken) + "\n" + Encoding.UTF8.GetString(system);
        return PemBlock().Matches(pem).Select((m, i) => new ContainerFile(
            $"{SynapseConfig.FederationCaDirectory}/{i:D3}.pem", Encoding.ASCII.GetBytes(m.Value + "\n"), SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_100_100)).ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial System.Text.RegularExpressions.Regex PemBlock();

    public SynapseConfigInput BuildConfigInput(HomeserverDeployment d, IReadOnlyList<string> appServiceFiles) => new()
    {
        ServerName = d.ServerName,
        PublicBaseUrl = d.PublicBaseUrl,
        Database = d.Database,
        DatabaseHost = DatabaseAlias,
        DatabaseName = SynapseLayout.PostgresDatabase,
        DatabaseUser = SynapseLayout.PostgresUser,
        DatabasePassword = d.DatabasePasswordProtected is null ? "" : secrets.Unprotect(d.DatabasePasswordProtected),
        RegistrationSharedSecret = secrets.Unprotect(d.RegistrationSharedSecretProtected!),
        MacaroonSecretKey = secrets.Unprotect(d.MacaroonSecretKeyProtected!),
        FormSecret = secrets.Unprotect(d.FormSecretProtected!),
        Memory = d.Memory,
        Retention = d.Retention,
        MediaRetention = d.MediaRetention,
        RegistrationTokens = d.RegistrationTokensEnabled,
        AppServiceConfigFiles = appServiceFiles,
        Workers = d.Workers,
        WorkerNetwork = d.Workers.IsMonolith ? null
            : new WorkerNetwork(names.Synapse, names.Redis, names.Worker, secrets.Unprotect(d.ReplicationSecretProtected ?? throw new InvalidOperationException("Workers without a replication secret."))),
        Extra = configuration.GetSection("Panel:Homeserver:SynapseConfig").GetChildren()
            .ToDictionary(c => c.Key, SynapseConfig.FromConfiguration),
    };

    /// <summary>Waits for /health, failing early (with the last log lines) when the container keeps dying.</summary>
    public async Task WaitHealthyAsync(OperationContext progress, string step, HomeserverDeployment deployment, CancellationToken cancellationToken)
    {
        progress.Start(step, "Waiting for Synapse to answer /health…");
        var timeout = TimeSpan.FromSeconds(options.Value.HealthTimeoutSeconds);
        var started = clock.GetUtcNow();
        var baseUrl = endpoint.BaseUrlFor(deployment);
        // The engine's restart count only grows: count the restarts of this wait, not the earlier ones
        // (a rollback waits on a container that crashed a few times just before).
        var restartsBefore = (await docker.InspectAsync(names.Synapse, cancellationToken))?.RestartCount ?? 0;
        var lastInspect = DateTimeOffset.MinValue;
        while (clock.GetUtcNow() - started < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await admins.IsHealthyAsync(baseUrl, cancellationToken))
            {
                progress.Done(step, $"Healthy after {(int)(clock.GetUtcNow() - started).TotalSeconds} s.");
                return;
            }

            // Whether it crashed: asked of the engine twice a second at most, however often /health is.
            if (clock.GetUtcNow() - lastInspect < TimeSpan.FromMilliseconds(500))
            {
                await Task.Delay(HealthPollInterval(clock.GetUtcNow() - started), cancellationToken);
                continue;
            }

            lastInspect = clock.GetUtcNow();
            var container = await docker.InspectAsync(names.Synapse, cancellationToken);
            if (container is null)
            {
                throw new DomainException("The Synapse container disappeared while the panel waited for it.");
            }

            if (container.State is "exited" or "dead" || container.RestartCount - restartsBefore >= 3)
            {
                throw new DomainException($"Synapse stopped while starting (exit code {container.ExitCode}). Its last log lines:\n{await LastLogLinesAsync(container.Id, cancellationToken)}");
            }

            var waited = clock.GetUtcNow() - started;
            progress.Progress(step, Math.Min(95, waited / timeout * 100), $"Waiting for Synapse to answer /health… ({(int)waited.TotalSeconds} s)");
            await Task.Delay(HealthPollInterval(waited), cancellationToken);
        }

        throw new DomainException($"Synapse did not become healthy within {(int)timeout.TotalSeconds} s. Its last log lines:\n{await LastLogLinesAsync(names.Synapse, cancellationToken)}");
    }

    /// <summary>
    /// Synapse usually answers within a few seconds of its start: ask often then (a refused connection
    /// costs next to nothing), so that the install does not wait after it is ready; after that, once
    /// a second.
    /// </summary>
    public static TimeSpan HealthPollInterval(TimeSpan waited) =>
        waited < TimeSpan.FromSeconds(15) ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromSeconds(1);

    public async Task<string> LastLogLinesAsync(string container, CancellationToken cancellationToken)
    {
        try
        {
            return string.Join('\n', await docker.GetLogsAsync(container, 20, cancellationToken));
        }
        catch (Exception e) when (e is DomainException or ContainerRuntimeUnavailableException)
        {
            return "(the logs could not be read)";
        }
    }

    /// <summary>Starts PostgreSQL (when used) and waits until it accepts connections on its network address.</summary>
    public async Task EnsureDatabaseRunningAsync(HomeserverDeployment deployment, OperationContext? progress, CancellationToken cancellationToken)
    {
        if (deployment.Database != HomeserverDatabase.Postgres)
        {
            return;
        }

        var container = await docker.InspectAsync(names.Postgres, cancellationToken);
        if (container is null)
        {
            await docker.CreateAsync(new ContainerSpec
            {
                Name = names.Postgres,
                Image = deployment.DatabaseImage,
                Component = ContainerComponents.Database,
                Environment = new Dictionary<string, string>
                {
                    ["POSTGRES_USER"] = SynapseLayout.PostgresUser,
                    ["POSTGRES_PASSWORD"] = secrets.Unprotect(deployment.DatabasePasswordProtected!),
                    ["POSTGRES_DB"] = SynapseLayout.PostgresDatabase,
                    // Synapse refuses a database with another collation.
                    ["POSTGRES_INITDB_ARGS"] = "--locale=C --encoding=UTF8",
                    ["PGDATA"] = "/var/lib/postgresql/data",
                },
                Network = names.Network,
                NetworkAliases = [DatabaseAlias],
                Volumes = new Dictionary<string, string> { [names.PostgresData(deployment.DataGeneration)] = "/var/lib/postgresql/data" },
                RestartPolicy = "unless-stopped",
                HealthCheck = new HealthCheckSpec(["CMD", .. PostgresCommands.IsReady],
                    TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 5, TimeSpan.FromSeconds(30)),
            }, cancellationToken);
            container = await docker.InspectAsync(names.Postgres, cancellationToken);
        }

        if (!container!.IsRunning)
        {
            await docker.StartAsync(names.Postgres, cancellationToken);
        }

        // During its first start the image initialises the cluster with TCP switched off, so a TCP
        // check only passes once the real server is up.
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(90);
        while (clock.GetUtcNow() < deadline)
        {
            var ready = await docker.ExecAsync(names.Postgres, PostgresCommands.IsReady, null, cancellationToken);
            if (ready.ExitCode == 0)
            {
                return;
            }

            var state = await docker.InspectAsync(names.Postgres, cancellationToken);
            if (state is { State: "exited" or "dead" })
            {
                throw new DomainException($"PostgreSQL stopped while starting. Its last log lines:\n{await LastLogLinesAsync(names.Postgres, cancellationToken)}");
            }

            progress?.Progress("database", null, "Waiting for PostgreSQL to accept connections…");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        throw new DomainException($"PostgreSQL did not accept connections within 90 s. Its last log lines:\n{await LastLogLinesAsync(names.Postgres, cancellationToken)}");
    }
}
