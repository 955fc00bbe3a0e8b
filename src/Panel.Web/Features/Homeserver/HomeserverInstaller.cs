using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Makes the desired homeserver real in Docker. Every step first looks at what exists, so running it
/// again after a crash, or from the reconciler, finishes the job without duplicates.
/// </summary>
public sealed partial class HomeserverInstaller(
    IContainerRuntime docker,
    IHomeserverAdminFactory admins,
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess access,
    HomeserverContainers containers,
    ISecretProtector secrets,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<HomeserverOptions> options,
    TimeProvider clock,
    ILogger<HomeserverInstaller> logger)
{
    public static readonly IReadOnlyList<(string Key, string Title)> InstallSteps =
    [
        ("pull", "Get the images"),
        ("network", "Create the network and volumes"),
        ("database", "Start PostgreSQL"),
        ("config", "Write homeserver.yaml"),
        ("start", "Start Synapse"),
        ("health", "Wait until Synapse is healthy"),
        ("admin", "Create the panel's admin account"),
    ];

    /// <summary>The install's steps for this database: SQLite has no database server to start.</summary>
    public static IReadOnlyList<(string Key, string Title)> StepsFor(HomeserverDatabase database) =>
        database == HomeserverDatabase.Postgres ? InstallSteps : [.. InstallSteps.Where(s => s.Key != "database")];

    public async Task InstallAsync(OperationContext progress, CancellationToken cancellationToken)
    {
        // A failure anywhere in here ends the operation; the operation then calls MarkFailedAsync.
        var deployment = await LoadAsync(cancellationToken);
        await PullAsync(progress, deployment, cancellationToken);
        await NetworkAsync(progress, deployment, cancellationToken);
        await DatabaseAsync(progress, deployment, cancellationToken);
        await ConfigAsync(progress, deployment, cancellationToken);
        await StartSynapseAsync(progress, deployment, cancellationToken);
        await containers.WaitHealthyAsync(progress, "health", deployment, cancellationToken);
        await AdminAsync(progress, deployment, cancellationToken);

        await access.ChangeAsync(d => d.MarkInstalled(clock.GetUtcNow()), cancellationToken);
        LogInstalled(logger, deployment.ServerName);
    }

    /// <summary>
    /// Records a failed install, so that the Homeserver page offers the wizard again (retry, other
    /// settings) and the reconciler leaves it alone. What was created stays: a retry reuses it, and
    /// uninstalling removes it.
    /// </summary>
    public async Task MarkFailedAsync(string message, CancellationToken cancellationToken)
    {
        await access.ChangeAsync(d => d.MarkFailed(message), cancellationToken);
        LogInstallFailed(logger, message);
    }

    private async Task PullAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        progress.Start("pull");
        var images = d.Database == HomeserverDatabase.Postgres ? new[] { d.SynapseImage, d.DatabaseImage } : [d.SynapseImage];
        var present = new List<string>();
        foreach (var image in images)
        {
            if (!await docker.EnsureAsync(image, progress, "pull", cancellationToken))
            {
                present.Add(image);
            }
        }

        var synapse = await docker.InspectImageAsync(d.SynapseImage, cancellationToken)
            ?? throw new ImageUnavailableException($"The image {d.SynapseImage} is not on this machine.");
        var note = synapse.RunsNothing ? $" {d.SynapseImage} has no entry point: the panel starts Synapse's module itself ({HomeserverContainers.SynapseModule}), as user {SynapseConfig.SynapseUid}." : "";
        progress.Done("pull", (present.Count == images.Length ? "The images are already on this machine." : "Images ready.") + note);
    }

    private async Task NetworkAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        progress.Start("network");
        var labels = new Dictionary<string, string>();
        // Independent of each other: made side by side.
        var made = new List<Task>
        {
            docker.EnsureNetworkAsync(names.Network, labels, cancellationToken),
            docker.EnsureVolumeAsync(names.SynapseData(d.DataGeneration), labels, cancellationToken),
        };
        if (d.Database == HomeserverDatabase.Postgres)
        {
            made.Add(docker.EnsureVolumeAsync(names.PostgresData(d.DataGeneration), labels, cancellationToken));
        }

        await Task.WhenAll(made);

        if (endpoint.UsesNetwork && endpoint.OwnContainer is { } self)
        {
            await docker.ConnectNetworkAsync(names.Network, self, cancellationToken);
        }

        progress.Done("network", $"Network {names.Network}, volume {names.SynapseData(d.DataGeneration)}" + (d.Database == HomeserverDatabase.Postgres ? $" and {names.PostgresData(d.DataGeneration)}." : "."));
    }

    private async Task DatabaseAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (d.Database != HomeserverDatabase.Postgres)
        {
            return; // SQLite: the database is a file in Synapse's volume, and the step is not listed
        }

        progress.Start("database", "Starting PostgreSQL…");
        await containers.EnsureDatabaseRunningAsync(d, progress, cancellationToken);
        progress.Done("database", "PostgreSQL accepts connections (database 'synapse', locale C, UTF8).");
    }

    private async Task ConfigAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        progress.Start("config");
        var container = await docker.InspectAsync(names.Synapse, cancellationToken);
        if (container is not null && container.Image != d.SynapseImage)
        {
            // Left by an interrupted install or upgrade with other settings: the desired state wins.
            await docker.RemoveAsync(container.Id, cancellationToken);
            container = null;
        }

        if (container is null)
        {
            if (options.Value.HostPort is { } pinned)
            {
                // A pinned port is the owner's promise to a reverse proxy: use it, free or not (if it
                // is taken, the engine says so, and that is the error to show).
                if (d.HostPort != pinned)
                {
                    await access.ChangeAsync(x => x.AssignHostPort(pinned), cancellationToken);
                    d.AssignHostPort(pinned);
                }
            }
            else if (d.HostPort is not { } port || !HostPorts.IsFree(port))
            {
                var free = HostPorts.FindFree();
                await access.ChangeAsync(x => x.AssignHostPort(free), cancellationToken);
                d.AssignHostPort(free);
            }

            await containers.CreateSynapseContainerAsync(d, d.SynapseImage, cancellationToken);
        }

        await containers.WriteConfigAsync(d, names.Synapse, cancellationToken);
        progress.Done("config", "homeserver.yaml and the signing key are in the Synapse volume.");
    }

    private async Task StartSynapseAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        progress.Start("start");
        var container = await docker.InspectAsync(names.Synapse, cancellationToken);
        if (container is { IsRunning: true })
        {
            progress.Done("start", "Synapse is running.");
            return;
        }

        await docker.StartAsync(names.Synapse, cancellationToken);
        progress.Done("start", $"Synapse started, with a memory limit of {new ByteSize(d.MemoryLimitBytes)}; the panel reaches it at {endpoint.BaseUrlFor(d)}.");
    }

    private async Task AdminAsync(OperationContext progress, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        progress.Start("admin");
        var baseUrl = endpoint.BaseUrlFor(d);
        if (d.AdminAccessTokenProtected is not null)
        {
            try
            {
                var who = await admins.Create(new HomeserverConnection(baseUrl, secrets.Unprotect(d.AdminAccessTokenProtected), d.ServerName)).WhoAmIAsync(cancellationToken);
                progress.Done("admin", $"{who} can administer the homeserver.");
                return;
            }
            catch (HomeserverException)
            {
                // The stored token no longer works (a restored volume, say): register or sign in again.
            }
        }

        var password = d.AdminPasswordProtected is null ? SynapseConfig.NewSecret() : secrets.Unprotect(d.AdminPasswordProtected);
        var session = await admins.RegisterAdminAsync(baseUrl, secrets.Unprotect(d.RegistrationSharedSecretProtected!), HomeserverNames.AdminLocalpart, password, cancellationToken);
        await access.ChangeAsync(x => x.SetAdmin(session.UserId, secrets.Protect(session.AccessToken), secrets.Protect(password)), cancellationToken);
        progress.Done("admin", $"{session.UserId} can administer the homeserver; its token is stored encrypted.");
    }

    private async Task<HomeserverDeployment> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("No homeserver is planned.");
    }


    [LoggerMessage(Level = LogLevel.Warning, Message = "The homeserver install failed: {Message}")]
    private static partial void LogInstallFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Homeserver {ServerName} is installed and healthy")]
    private static partial void LogInstalled(ILogger logger, string serverName);
}
