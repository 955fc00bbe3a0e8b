using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// The homeserver as the UI and the API see it: its view and status, install and attach, logs. The
/// life of an installed one (start, stop, upgrade, uninstall) is in <see cref="HomeserverLifecycle"/>;
/// the rest of the panel reaches it through <see cref="HomeserverAccess"/>.
/// </summary>
public sealed class HomeserverService(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess access,
    HomeserverLifecycle lifecycle,
    IContainerRuntime docker,
    IHomeserverAdminFactory admins,
    ISecretProtector secrets,
    HomeserverInstaller installer,
    HomeserverOperations operations,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<HomeserverOptions> options,
    IAuditLog audit,
    TimeProvider clock)
{
    public const int MaxLogLines = 10_000;

    public HomeserverOptions Defaults => options.Value;

    public Task<HomeserverDeployment?> GetDeploymentAsync(CancellationToken cancellationToken) => access.GetDeploymentAsync(cancellationToken);

    public async Task<HomeserverView> GetAsync(CancellationToken cancellationToken)
    {
        // The operation first: it writes the records before it ends, so a finished operation is
        // never shown next to the records from before it.
        var operation = operations.Current;
        var d = await GetDeploymentAsync(cancellationToken);
        var status = await GetStatusAsync(d, cancellationToken);
        var installed = d is { Phase: InstallPhase.Installed };
        return new HomeserverView(
            installed,
            d?.Phase.ToString().ToLowerInvariant(),
            d?.LastError,
            d is null || d.Phase == InstallPhase.Uninstalled ? null : ToSettings(d),
            status,
            status.Health,
            operation,
            d is null || d.Phase == InstallPhase.Uninstalled ? null : endpoint.BaseUrlFor(d));
    }

    public async Task<HomeserverStatusView> GetStatusAsync(HomeserverDeployment? d, CancellationToken cancellationToken)
    {
        if (d is null || d.Phase == InstallPhase.Uninstalled)
        {
            return new HomeserverStatusView("not-installed", "none", null, 0, false, null, null, null, true, null);
        }

        bool healthy;
        try
        {
            healthy = await admins.IsHealthyAsync(endpoint.BaseUrlFor(d), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A status read shows the server as unreachable; it does not fail the whole page (an
            // install or restore that meets the same fault says so in its own step).
            healthy = false;
        }
        string? version = null;
        string? adminAccess = null;
        if (healthy && d.AdminAccessTokenProtected is not null)
        {
            var admin = access.CreateAdmin(d);
            version = await admin.GetVersionAsync(cancellationToken);
            try
            {
                adminAccess = await admin.WhoAmIAsync(cancellationToken);
            }
            catch (HomeserverException ex)
            {
                adminAccess = "failing: " + ex.Message;
            }
        }

        var containerName = d.Mode == HomeserverMode.Managed ? names.Synapse : d.AttachedContainerName;
        if (containerName is null)
        {
            return new HomeserverStatusView(healthy ? "running" : "unreachable", healthy ? "healthy" : "unreachable", null, 0, false, null, version, null, true,
                healthy ? null : $"{d.AttachedBaseUrl} does not answer /health.", adminAccess);
        }

        ContainerInfo? container;
        try
        {
            container = await docker.InspectAsync(containerName, cancellationToken);
        }
        catch (ContainerRuntimeUnavailableException ex)
        {
            return new HomeserverStatusView("unknown", healthy ? "healthy" : "unreachable", null, 0, false, null, version, null, false, ex.Message, adminAccess);
        }

        if (container is null)
        {
            return new HomeserverStatusView("missing", healthy ? "healthy" : "unreachable", null, 0, false, null, version, null, true,
                $"The container {containerName} does not exist.", adminAccess);
        }

        var uptime = container.IsRunning && container.StartedAt is { } started ? (long)(clock.GetUtcNow() - started).TotalSeconds : (long?)null;
        var health = healthy ? "healthy" : container.IsRunning ? (container.Health is "starting" or null ? "starting" : "unhealthy") : "unreachable";
        return new HomeserverStatusView(container.State, health, uptime, container.RestartCount, container.OomKilled, container.Image, version, container.Id, true,
            container.OomKilled ? "Synapse was killed for using more memory than its limit." : null, adminAccess);
    }

    public async Task InstallAsync(InstallRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var serverName = ServerName.Parse(request.ServerName);
        var database = (request.Database ?? "postgres").Trim().ToLowerInvariant() switch
        {
            "postgres" or "postgresql" => HomeserverDatabase.Postgres,
            "sqlite" => HomeserverDatabase.Sqlite,
            _ => throw new DomainException("database must be 'postgres' or 'sqlite'."),
        };
        var memory = (request.MemoryLimitMb ?? HomeserverDeployment.DefaultMemoryLimitBytes / 1024 / 1024) * 1024 * 1024;
        var publicBaseUrl = string.IsNullOrWhiteSpace(request.PublicBaseUrl) ? $"https://{serverName.Host}/" : request.PublicBaseUrl;
        var image = string.IsNullOrWhiteSpace(request.Image) ? options.Value.DefaultSynapseImage : request.Image;
        var dbImage = string.IsNullOrWhiteSpace(request.DatabaseImage) ? options.Value.DefaultPostgresImage : request.DatabaseImage;

        // Fails early (503) when Docker is gone, before anything is written.
        await docker.ImageExistsAsync(image, cancellationToken);

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var existing = await db.Homeservers.SingleOrDefaultAsync(cancellationToken);
            if (existing is null)
            {
                var planned = HomeserverDeployment.PlanInstall(serverName, publicBaseUrl, database, image, dbImage, memory, request.CacheFactor ?? 0.5, NewSecrets(), clock.GetUtcNow());
                planned.AssignHostPort(options.Value.HostPort ?? HostPorts.FindFree());
                db.Homeservers.Add(planned);
            }
            else if (existing.Phase == InstallPhase.Installing && existing.ServerName == serverName.Value && !operations.IsBusy)
            {
                // An install that a crash interrupted: running install again finishes it.
                existing.RetryInstall();
            }
            else
            {
                existing.PlanReinstall(serverName, publicBaseUrl, database, image, dbImage, memory, request.CacheFactor ?? 0.5);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                throw new ConflictException("Another install started at the same moment.");
            }
        }

        // The audit entry is written when the install ends, with its outcome.
        _ = StartInstallOperation(serverName.Value, database, actor, $"{database}, image {image}, memory limit {new ByteSize(memory)}");
    }

    /// <summary>
    /// Runs (or resumes) the install of the planned homeserver in the background; the task completes
    /// with it. A failure, whatever its cause, marks the install failed, so the wizard is offered again.
    /// </summary>
    public Task StartInstallOperation(string serverName, HomeserverDatabase database, AuditActor actor, string? details = null) =>
        operations.Start("install", HomeserverInstaller.StepsFor(database), installer.InstallAsync,
            audit: new OperationAudit(actor, "homeserver.install", serverName, details),
            onFailure: installer.MarkFailedAsync);

    public async Task AttachAsync(AttachRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(request.BaseUrl?.Trim(), UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new DomainException("baseUrl must be the homeserver's http(s) address as the panel can reach it, like http://127.0.0.1:8008.");
        }

        if (string.IsNullOrWhiteSpace(request.AccessToken) == string.IsNullOrWhiteSpace(request.SharedSecret))
        {
            throw new DomainException("Give either an admin access token or the registration shared secret (not both).");
        }

        var baseUrl = baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/";
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Homeservers.SingleOrDefaultAsync(cancellationToken);
        if (existing is not null && existing.Phase != InstallPhase.Uninstalled)
        {
            throw new ConflictException("A homeserver is already set up. Uninstall (or detach) it first.");
        }

        if (existing is { Mode: HomeserverMode.Managed })
        {
            throw new ConflictException($"The kept data of '{existing.ServerName}' is still here. Delete it (uninstall with data) before attaching another homeserver.");
        }

        if (!await admins.IsHealthyAsync(baseUrl, cancellationToken))
        {
            throw new DomainException($"Nothing answers {baseUrl}health: check the address and that the panel can reach it.");
        }

        AdminSession session;
        string? password = null;
        if (!string.IsNullOrWhiteSpace(request.SharedSecret))
        {
            password = SynapseConfig.NewSecret();
            session = await admins.RegisterAdminAsync(baseUrl, request.SharedSecret.Trim(), HomeserverNames.AdminLocalpart, password, cancellationToken);
        }
        else
        {
            var token = request.AccessToken!.Trim();
            try
            {
                var userId = await admins.Create(new HomeserverConnection(baseUrl, token, "")).WhoAmIAsync(cancellationToken);
                session = new AdminSession(userId, token);
            }
            catch (HomeserverException e) when (e.StatusCode is 401 or 403)
            {
                throw new DomainException("The homeserver does not accept that access token: check that it belongs to a server admin and has not expired.");
            }
        }

        var serverName = ServerName.Parse(MatrixUserId.Parse(session.UserId).ServerName);
        var admin = admins.Create(new HomeserverConnection(baseUrl, session.AccessToken, serverName.Value));
        if (await admin.GetVersionAsync(cancellationToken) is null)
        {
            throw new DomainException($"{session.UserId} is not a server admin, or the admin API is not reachable at {baseUrl}.");
        }

        if (!string.IsNullOrWhiteSpace(request.ContainerName) && await docker.InspectAsync(request.ContainerName.Trim(), cancellationToken) is null)
        {
            throw new DomainException($"There is no container named {request.ContainerName}.");
        }

        if (existing is not null)
        {
            db.Homeservers.Remove(existing);
            await db.SaveChangesAsync(cancellationToken);
        }

        var attached = HomeserverDeployment.Attach(serverName, baseUrl, request.PublicBaseUrl ?? $"https://{serverName.Host}/", request.ContainerName,
            session.UserId, secrets.Protect(session.AccessToken), string.IsNullOrWhiteSpace(request.SharedSecret) ? null : secrets.Protect(request.SharedSecret.Trim()), clock.GetUtcNow());
        if (password is not null)
        {
            attached.SetAdmin(session.UserId, secrets.Protect(session.AccessToken), secrets.Protect(password));
        }

        db.Homeservers.Add(attached);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, "homeserver.attach", serverName.Value, AuditOutcome.Success, $"at {baseUrl} as {session.UserId}", cancellationToken);
    }

    public Task StartAsync(AuditActor actor, CancellationToken cancellationToken) => lifecycle.StartAsync(actor, cancellationToken);

    public Task StopAsync(AuditActor actor, CancellationToken cancellationToken) => lifecycle.StopAsync(actor, cancellationToken);

    public Task RestartAsync(AuditActor actor, CancellationToken cancellationToken) => lifecycle.RestartAsync(actor, cancellationToken);

    public Task UpgradeAsync(string? image, AuditActor actor, CancellationToken cancellationToken) => lifecycle.UpgradeAsync(image, actor, cancellationToken);

    public Task UninstallAsync(bool deleteData, string? confirmServerName, AuditActor actor, CancellationToken cancellationToken) =>
        lifecycle.UninstallAsync(deleteData, confirmServerName, actor, cancellationToken);

    public async Task<IReadOnlyList<string>> GetLogsAsync(int tail, CancellationToken cancellationToken)
    {
        if (tail is < 1 or > MaxLogLines)
        {
            throw new DomainException($"tail must be between 1 and {MaxLogLines}.");
        }

        return await docker.GetLogsAsync(await LogContainerAsync(cancellationToken), tail, cancellationToken);
    }

    public async IAsyncEnumerable<string> FollowLogsAsync(int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var container = await LogContainerAsync(cancellationToken);
        await foreach (var line in docker.FollowLogsAsync(container, tail, cancellationToken))
        {
            yield return line;
        }
    }

    public async Task<IReadOnlyList<string>> LocalImagesAsync(string contains, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.ListImagesAsync(contains, cancellationToken);
        }
        catch (ContainerRuntimeUnavailableException)
        {
            return [];
        }
    }

    private async Task<string> LogContainerAsync(CancellationToken cancellationToken)
    {
        var d = await GetDeploymentAsync(cancellationToken);
        if (d is null || d.Phase == InstallPhase.Uninstalled)
        {
            throw new ConflictException("There is no homeserver, so there are no logs.");
        }

        return d.Mode == HomeserverMode.Managed
            ? names.Synapse
            : d.AttachedContainerName ?? throw new ConflictException("The attached homeserver has no container to read logs from; attach it with its container name.");
    }

    private HomeserverSecrets NewSecrets() => new(
        secrets.Protect(SynapseConfig.NewSecret()),
        secrets.Protect(SynapseConfig.NewSecret()),
        secrets.Protect(SynapseConfig.NewSecret()),
        secrets.Protect(SynapseConfig.NewSecret(24)),
        secrets.Protect(SynapseConfig.NewSigningKey()));

    private static HomeserverSettingsView ToSettings(HomeserverDeployment d) => new(
        d.Mode.ToString().ToLowerInvariant(), d.ServerName, d.PublicBaseUrl, d.Database.ToString().ToLowerInvariant(), d.SynapseImage, d.DatabaseImage,
        d.PreviousSynapseImage, d.MemoryLimitBytes, d.CacheFactor, d.HostPort, d.Desired.ToString().ToLowerInvariant(), d.AdminUserId,
        d.AttachedContainerName, d.RegistrationTokensEnabled);

}
