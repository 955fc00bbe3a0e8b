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

public sealed record InstallRequest
{
    public string? ServerName { get; init; }

    public string? PublicBaseUrl { get; init; }

    /// <summary>"postgres" (default) or "sqlite".</summary>
    public string? Database { get; init; }

    public string? Image { get; init; }

    public string? DatabaseImage { get; init; }

    public long? MemoryLimitMb { get; init; }

    public double? CacheFactor { get; init; }
}

public sealed record AttachRequest
{
    /// <summary>The homeserver's client API as the panel can reach it, e.g. http://127.0.0.1:8008.</summary>
    public string? BaseUrl { get; init; }

    public string? AccessToken { get; init; }

    public string? SharedSecret { get; init; }

    public string? PublicBaseUrl { get; init; }

    /// <summary>An existing container to watch (never to change).</summary>
    public string? ContainerName { get; init; }
}

public sealed record HomeserverSettingsView(
    string Mode,
    string ServerName,
    string PublicBaseUrl,
    string Database,
    string Image,
    string DatabaseImage,
    string? PreviousImage,
    long MemoryLimitBytes,
    double CacheFactor,
    int? HostPort,
    string Desired,
    string? AdminUserId,
    string? AttachedContainerName,
    bool RegistrationTokensEnabled);

public sealed record HomeserverStatusView(
    string State,
    string Health,
    long? UptimeSeconds,
    long RestartCount,
    bool OomKilled,
    string? Image,
    string? Version,
    string? ContainerId,
    bool DockerReachable,
    string? Message,
    string? AdminAccess = null);

public sealed record HomeserverView(
    bool Installed,
    string? Phase,
    string? LastError,
    HomeserverSettingsView? Settings,
    HomeserverStatusView Status,
    string? Health,
    OperationView? Operation,
    string? ClientUrl);

/// <summary>Everything the UI and the API do with the homeserver: install, run, upgrade, watch, remove.</summary>
public sealed partial class HomeserverService(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess access,
    IContainerRuntime docker,
    IHomeserverAdminFactory admins,
    ISecretProtector secrets,
    HomeserverInstaller installer,
    HomeserverOperations operations,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<HomeserverOptions> options,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<HomeserverService> logger)
{
    public const int MaxLogLines = 10_000;

    public static readonly IReadOnlyList<(string, string)> UpgradeSteps =
    [
        ("pull", "Get the new image"),
        ("replace", "Replace the container (same volumes)"),
        ("health", "Wait until Synapse is healthy"),
        ("finish", "Remove the old container"),
    ];

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

        var healthy = await admins.IsHealthyAsync(endpoint.BaseUrlFor(d), cancellationToken);
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
        _ = StartInstallOperation(serverName.Value, actor, $"{database}, image {image}, memory limit {new ByteSize(memory)}");
    }

    /// <summary>
    /// Runs (or resumes) the install of the planned homeserver in the background; the task completes
    /// with it. A failure, whatever its cause, marks the install failed, so the wizard is offered again.
    /// </summary>
    public Task StartInstallOperation(string serverName, AuditActor actor, string? details = null) =>
        operations.Start("install", HomeserverInstaller.InstallSteps, installer.InstallAsync,
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

    public Task StartAsync(AuditActor actor, CancellationToken cancellationToken) =>
        RunManagedAsync("start", actor, [("database", "Start PostgreSQL"), ("start", "Start Synapse"), ("health", "Wait until Synapse is healthy")], async (d, progress, ct) =>
        {
            await SetDesiredAsync(DesiredState.Running, ct);
            progress.Start("database");
            await installer.EnsureDatabaseRunningAsync(d, progress, ct);
            progress.Done("database");
            progress.Start("start");
            await installer.EnsureSynapseContainerAsync(d, ct);
            var c = await docker.InspectAsync(names.Synapse, ct);
            if (c is { IsRunning: false })
            {
                await docker.StartAsync(names.Synapse, ct);
            }

            progress.Done("start");
            await installer.WaitHealthyAsync(progress, "health", d, ct);
        });

    public Task StopAsync(AuditActor actor, CancellationToken cancellationToken) =>
        RunManagedAsync("stop", actor, [("stop", "Stop Synapse"), ("database", "Stop PostgreSQL")], async (d, progress, ct) =>
        {
            await SetDesiredAsync(DesiredState.Stopped, ct);
            progress.Start("stop");
            if (await docker.InspectAsync(names.Synapse, ct) is { IsRunning: true })
            {
                await docker.StopAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
            }

            progress.Done("stop");
            if (d.Database == HomeserverDatabase.Postgres && await docker.InspectAsync(names.Postgres, ct) is { IsRunning: true })
            {
                progress.Start("database");
                await docker.StopAsync(names.Postgres, TimeSpan.FromSeconds(30), ct);
                progress.Done("database");
            }
            else
            {
                progress.Skip("database", "Not running.");
            }
        });

    public Task RestartAsync(AuditActor actor, CancellationToken cancellationToken) =>
        RunManagedAsync("restart", actor, [("restart", "Restart Synapse"), ("health", "Wait until Synapse is healthy")], async (d, progress, ct) =>
        {
            await SetDesiredAsync(DesiredState.Running, ct);
            await installer.EnsureDatabaseRunningAsync(d, null, ct);
            progress.Start("restart");
            await installer.EnsureSynapseContainerAsync(d, ct);
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
            progress.Done("restart");
            await installer.WaitHealthyAsync(progress, "health", d, ct);
        });

    /// <summary>
    /// Recreates Synapse with another image and the same volumes; if the new one does not become
    /// healthy, the old container comes back as it was.
    /// </summary>
    public async Task UpgradeAsync(string? image, AuditActor actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(image) || image.Any(char.IsWhiteSpace))
        {
            throw new DomainException("image is required, like ghcr.io/element-hq/synapse:v1.161.0.");
        }

        var newImage = image.Trim();
        await RunManagedAsync("upgrade", actor, UpgradeSteps, async (d, progress, ct) =>
        {
            progress.Start("pull");
            await docker.EnsureAsync(newImage, progress, "pull", ct);

            progress.Done("pull", newImage);
            progress.Start("replace", $"{d.SynapseImage} → {newImage}");
            await installer.EnsureDatabaseRunningAsync(d, null, ct);
            try
            {
                await docker.ReplaceAsync(new SwapPlan(names.Synapse, names.SynapsePrevious, TimeSpan.FromSeconds(30),
                    c => installer.CreateSynapseContainerAsync(d, newImage, c),
                    c => installer.WaitHealthyAsync(progress, "health", d, c),
                    RecreateOld: c => installer.EnsureSynapseContainerAsync(d, c)), progress, "replace", ct);
            }
            catch (ContainerSwapException swap)
            {
                LogRolledBack(logger, d.SynapseImage);
                throw new DomainException(swap.OldRunning
                    ? $"The upgrade to {newImage} was rolled back to {d.SynapseImage}, which is running again. {swap.Reason}"
                    : $"The upgrade to {newImage} failed, and {d.SynapseImage} did not come back either ({swap.RollbackFailure}). {swap.Reason}", swap);
            }

            progress.Start("finish");
            await UpdateAsync(x => x.Upgraded(newImage), ct);
            progress.Done("finish", $"Running {newImage}.");
        }, auditDetails: $"to {newImage}");
    }

    public async Task UninstallAsync(bool deleteData, string? confirmServerName, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await GetDeploymentAsync(cancellationToken) ?? throw new NotFoundException("There is no homeserver to uninstall.");
        if (deleteData && !string.Equals(confirmServerName?.Trim(), d.ServerName, StringComparison.Ordinal))
        {
            throw new DomainException($"Deleting the data cannot be undone. To confirm, give the server name '{d.ServerName}'.");
        }

        _ = operations.Start("uninstall", [("containers", "Remove the containers"), ("data", deleteData ? "Delete the data" : "Keep the data")], async (progress, ct) =>
        {
            progress.Start("containers");
            if (d.Mode == HomeserverMode.Managed)
            {
                foreach (var name in new[] { names.Synapse, names.SynapsePrevious, names.Postgres })
                {
                    await docker.RemoveAsync(name, ct);
                }

                // Bridges cannot work without their homeserver.
                foreach (var bridge in await docker.ListOwnedAsync(ContainerComponents.Bridge, ct))
                {
                    await docker.RemoveAsync(bridge.Id, ct);
                }

                await docker.RemoveNetworkAsync(names.Network, ct);
                progress.Done("containers", "Synapse, PostgreSQL and the bridges' containers are removed.");
            }
            else
            {
                progress.Skip("containers", "Attached homeserver: the panel only forgets it.");
            }

            await using var db = await contexts.CreateDbContextAsync(ct);
            var current = await db.Homeservers.SingleAsync(ct);
            if (deleteData || d.Mode == HomeserverMode.Attached)
            {
                progress.Start("data");
                if (d.Mode == HomeserverMode.Managed)
                {
                    await docker.RemoveVolumeAsync(names.SynapseData(d.DataGeneration), ct);
                    await docker.RemoveVolumeAsync(names.PostgresData(d.DataGeneration), ct);
                    foreach (var bridge in await db.Bridges.ToListAsync(ct))
                    {
                        await docker.RemoveVolumeAsync(names.BridgeData(bridge.CatalogId, d.DataGeneration), ct);
                        db.Bridges.Remove(bridge);
                    }
                }

                db.Homeservers.Remove(current);
                await db.SaveChangesAsync(ct);
                progress.Done("data", d.Mode == HomeserverMode.Managed ? "The volumes and the stored secrets are deleted." : "Forgotten.");
            }
            else
            {
                current.MarkUninstalled();
                await db.SaveChangesAsync(ct);
                progress.Skip("data", $"Kept: volumes {names.SynapseData(d.DataGeneration)}" + (d.Database == HomeserverDatabase.Postgres ? $" and {names.PostgresData(d.DataGeneration)}" : "") + ". Install the same server name again to use them.");
            }

        }, audit: new OperationAudit(actor, "homeserver.uninstall", d.ServerName, deleteData ? "data deleted" : "data kept"));
    }

    /// <summary>
    /// Changes a setting that lives in homeserver.yaml: rewrites the file, restarts Synapse and waits
    /// until it is healthy. If it does not come back, the old setting is restored and Synapse restarted
    /// again. Runs as a visible operation; the task completes when it is done.
    /// </summary>
    public async Task ApplyConfigChangeAsync(string title, Action<HomeserverDeployment> change, Action<HomeserverDeployment> undo, AuditActor actor, string auditAction, CancellationToken cancellationToken)
    {
        var d = await GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            throw new ConflictException("The homeserver is not installed.");
        }

        d.EnsureManaged();
        var completion = operations.Start("configure", [("config", title), ("restart", "Restart Synapse"), ("health", "Wait until Synapse is healthy")], async (progress, ct) =>
        {
            progress.Start("config");
            await UpdateAsync(change, ct);
            var changed = (await GetDeploymentAsync(ct))!;
            await installer.WriteConfigAsync(changed, names.Synapse, ct);
            progress.Done("config");
            progress.Start("restart");
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
            progress.Done("restart");
            try
            {
                await installer.WaitHealthyAsync(progress, "health", changed, ct);
            }
            catch (Exception failure) when (OperationFailure.Fails(failure, ct))
            {
                await UpdateAsync(undo, CancellationToken.None);
                await installer.WriteConfigAsync((await GetDeploymentAsync(CancellationToken.None))!, names.Synapse, CancellationToken.None);
                await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), CancellationToken.None);
                throw new DomainException($"Synapse did not come back after the change, so it was undone. {OperationFailure.Describe(failure)}", failure);
            }
        }, audit: new OperationAudit(actor, auditAction, d.ServerName, title));
        await completion;
        if (operations.Current is { Succeeded: false, Error: { } error })
        {
            throw new DomainException(error);
        }
    }

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

    private async Task RunManagedAsync(string kind, AuditActor actor, IReadOnlyList<(string, string)> steps, Func<HomeserverDeployment, OperationContext, CancellationToken, Task> work, string? auditDetails = null)
    {
        var d = await GetDeploymentAsync(CancellationToken.None);
        if (d is not { Phase: InstallPhase.Installed })
        {
            throw new ConflictException("The homeserver is not installed.");
        }

        d.EnsureManaged();
        await docker.InspectAsync(names.Synapse, CancellationToken.None); // 503 now, not in the background, when Docker is gone
        _ = operations.Start(kind, steps, (progress, ct) => work(d, progress, ct),
            audit: new OperationAudit(actor, $"homeserver.{kind}", d.ServerName, auditDetails));
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

    private async Task SetDesiredAsync(DesiredState desired, CancellationToken cancellationToken) =>
        await UpdateAsync(d => d.SetDesired(desired), cancellationToken);

    private async Task UpdateAsync(Action<HomeserverDeployment> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var d = await db.Homeservers.SingleAsync(cancellationToken);
        change(d);
        await db.SaveChangesAsync(cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrade failed; rolled back to {Image}")]
    private static partial void LogRolledBack(ILogger logger, string image);
}
