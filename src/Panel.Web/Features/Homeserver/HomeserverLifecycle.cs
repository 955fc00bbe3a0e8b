using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// The life of an installed homeserver, each as an operation: start, stop, restart, upgrade (with
/// rollback), uninstall, and config changes that restart Synapse (rolled back when it does not come back).
/// </summary>
public sealed partial class HomeserverLifecycle(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess access,
    WorkerProcesses workers,
    IContainerRuntime docker,
    HomeserverContainers installer,
    HomeserverOperations operations,
    HomeserverNames names,
    ILogger<HomeserverLifecycle> logger)
{
    public static readonly IReadOnlyList<(string, string)> UpgradeSteps =
    [
        ("pull", "Get the new image"),
        ("replace", "Replace the container (same volumes)"),
        ("health", "Wait until Synapse is healthy"),
        ("finish", "Remove the old container"),
    ];

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
            await workers.StartAllAsync(d, ct);
        });

    public Task StopAsync(AuditActor actor, CancellationToken cancellationToken) =>
        RunManagedAsync("stop", actor, [("stop", "Stop Synapse"), ("database", "Stop PostgreSQL")], async (d, progress, ct) =>
        {
            await SetDesiredAsync(DesiredState.Stopped, ct);
            progress.Start("stop");
            await workers.StopAllAsync(ct);
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
            await workers.StartAllAsync(d, ct);
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
        (await access.GetDeploymentAsync(cancellationToken))?.EnsureOneProcess("upgrade");
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
            await access.ChangeAsync(x => x.Upgraded(newImage), ct);
            progress.Done("finish", $"Running {newImage}.");
        }, auditDetails: $"to {newImage}");
    }

    public async Task UninstallAsync(bool deleteData, string? confirmServerName, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken) ?? throw new NotFoundException("There is no homeserver to uninstall.");
        if (deleteData && !string.Equals(confirmServerName?.Trim(), d.ServerName, StringComparison.Ordinal))
        {
            throw new DomainException($"Deleting the data cannot be undone. To confirm, give the server name '{d.ServerName}'.");
        }

        _ = operations.Start("uninstall", [("containers", "Remove the containers"), ("data", deleteData ? "Delete the data" : "Keep the data")], async (progress, ct) =>
        {
            progress.Start("containers");
            if (d.Mode == HomeserverMode.Managed)
            {
                await workers.RemoveAllAsync(ct);
                foreach (var name in new[] { names.Proxy, names.Synapse, names.SynapsePrevious, names.Postgres })
                {
                    await docker.RemoveAsync(name, ct);
                }

                await workers.RemoveNetworkAsync(ct);

                // Bridges cannot work without their homeserver.
                foreach (var bridge in await docker.ListOwnedAsync(ContainerComponents.Bridge, ct))
                {
                    await docker.RemoveAsync(bridge.Id, ct);
                }

                await docker.RemoveNetworkAsync(names.Network, ct);
                progress.Done("containers", "Synapse, PostgreSQL, the proxy and the bridges' containers are removed.");
            }
            else
            {
                progress.Skip("containers", "Attached homeserver: the panel only forgets it.");
            }

            await using var db = await contexts.CreateDbContextAsync(ct);
            var current = await db.Homeservers.SingleAsync(ct);
            // Its container is gone with the others: a new install starts without a proxy, until turned on again.
            (await db.ReverseProxy.SingleOrDefaultAsync(ct))?.Disable();
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
        await await StartConfigChangeAsync(title, change, undo, actor, auditAction, reloadOnly: false, cancellationToken);
        if (operations.Current is { Succeeded: false, Error: { } error })
        {
            throw new DomainException(error);
        }
    }

    /// <summary>
    /// Starts the change as an operation and answers once it runs (the inner task ends with it). The
    /// container's memory limit follows the deployment's, live. With <paramref name="reloadOnly"/>
    /// Synapse is sent SIGHUP instead of a restart, for what it re-reads by itself (the cache factor).
    /// <paramref name="afterHealthy"/> runs once Synapse is healthy with the change (a failure there
    /// does not undo the change, which is in force).
    /// </summary>
    public async Task<Task> StartConfigChangeAsync(string title, Action<HomeserverDeployment> change, Action<HomeserverDeployment> undo, AuditActor actor, string auditAction, bool reloadOnly, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? afterHealthy = null)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            throw new ConflictException("The homeserver is not installed.");
        }

        d.EnsureManaged();
        await docker.InspectAsync(names.Synapse, cancellationToken); // 503 now, not in the background, when Docker is gone
        var how = reloadOnly ? ("restart", "Ask Synapse to reload its config (SIGHUP)") : ("restart", "Restart Synapse");
        return operations.Start("configure", [("config", title), how, ("health", "Wait until Synapse is healthy")], async (progress, ct) =>
        {
            progress.Start("config");
            await access.ChangeAsync(change, ct);
            var changed = (await access.GetDeploymentAsync(ct))!;
            await installer.WriteConfigAsync(changed, names.Synapse, ct);
            progress.Done("config");
            progress.Start("restart");
            await ApplyAsync(changed, reloadOnly, ct);
            progress.Done("restart");
            try
            {
                await installer.WaitHealthyAsync(progress, "health", changed, ct);
            }
            catch (Exception failure) when (OperationFailure.Fails(failure, ct))
            {
                await access.ChangeAsync(undo, CancellationToken.None);
                var previous = (await access.GetDeploymentAsync(CancellationToken.None))!;
                await installer.WriteConfigAsync(previous, names.Synapse, CancellationToken.None);
                await ApplyAsync(previous, reloadOnly: false, CancellationToken.None);
                throw new DomainException($"Synapse did not come back after the change, so it was undone. {OperationFailure.Describe(failure)}", failure);
            }

            if (afterHealthy is not null)
            {
                try
                {
                    await afterHealthy(ct);
                }
                catch (Exception e) when (OperationFailure.Fails(e, ct))
                {
                    LogAfterChangeFailed(logger, e);
                }
            }
        }, audit: new OperationAudit(actor, auditAction, d.ServerName, title));
    }

    private async Task ApplyAsync(HomeserverDeployment d, bool reloadOnly, CancellationToken cancellationToken)
    {
        await docker.UpdateMemoryLimitAsync(names.Synapse, d.MemoryLimitBytes, cancellationToken);
        if (reloadOnly)
        {
            // PID 1 is Synapse itself: the entry point execs it.
            await docker.ExecAsync(names.Synapse, ["sh", "-c", "kill -HUP 1"], null, cancellationToken);
        }
        else
        {
            await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        }
    }

    private async Task RunManagedAsync(string kind, AuditActor actor, IReadOnlyList<(string, string)> steps, Func<HomeserverDeployment, OperationContext, CancellationToken, Task> work, string? auditDetails = null)
    {
        var d = await access.GetDeploymentAsync(CancellationToken.None);
        if (d is not { Phase: InstallPhase.Installed })
        {
            throw new ConflictException("The homeserver is not installed.");
        }

        d.EnsureManaged();
        await docker.InspectAsync(names.Synapse, CancellationToken.None); // 503 now, not in the background, when Docker is gone
        // The "database" steps are PostgreSQL's: a SQLite homeserver does not list them.
        var shown = d.Database == HomeserverDatabase.Postgres ? steps : [.. steps.Where(s => s.Item1 != "database")];
        _ = operations.Start(kind, shown, (progress, ct) => work(d, progress, ct),
            audit: new OperationAudit(actor, $"homeserver.{kind}", d.ServerName, auditDetails));
    }

    private async Task SetDesiredAsync(DesiredState desired, CancellationToken cancellationToken) =>
        await access.ChangeAsync(d => d.SetDesired(desired), cancellationToken);


    [LoggerMessage(Level = LogLevel.Warning, Message = "A config change is in force, but what was to follow it failed")]
    private static partial void LogAfterChangeFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upgrade failed; rolled back to {Image}")]
    private static partial void LogRolledBack(ILogger logger, string image);
}
