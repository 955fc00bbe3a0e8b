using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Compares the desired homeserver in the database with what Docker reports (by the ownership labels)
/// and closes the gap: it resumes an install that a crash interrupted, finishes or rolls back an
/// interrupted upgrade, brings back missing containers (the homeserver's, its workers', its bridges' and
/// the proxy's), removes orphans, and reacts to Docker events.
/// </summary>
public sealed partial class HomeserverReconciler(
    IDbContextFactory<PanelDbContext> contexts,
    IContainerRuntime docker,
    HomeserverService homeserver,
    HomeserverContainers installer,
    HomeserverOperations operations,
    HomeserverNames names,
    Bridges.BridgeInstaller bridges,
    WorkerProcesses workers,
    ReverseProxy.ReverseProxyService proxy,
    ContainerEventFeed feed,
    TimeProvider clock,
    ILogger<HomeserverReconciler> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a pass soon (after an event, or when Docker comes back).</summary>
    public void Nudge()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // In the background: a resume that waits out its back-off must not hold up the passes.
        var resume = ResumeInterruptedInstallAsync(stoppingToken);
        var events = WatchEventsAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await operations.TryRunExclusiveAsync(() => ReconcileAsync(stoppingToken));
            }
            catch (ContainerRuntimeUnavailableException)
            {
                // Docker is away; the event watcher nudges when it is back.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(logger, ex);
            }

            try
            {
                await _wake.WaitAsync(Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await events;
        await resume;
    }

    /// <summary>One pass. Public so that tests and the start-up path can run it directly.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        HomeserverDeployment? d;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        }

        var owned = await docker.ListOwnedAsync(null, cancellationToken);
        if (d is null || d.Phase == InstallPhase.Uninstalled || d.Mode == HomeserverMode.Attached)
        {
            // Nothing of the homeserver should run: anything left is an orphan of an interrupted uninstall.
            // (A Swarm task's container is Swarm's to remove, with its service.)
            foreach (var orphan in owned.Where(c => !c.IsSwarmTask && c.Component is ContainerComponents.Homeserver or ContainerComponents.Database or ContainerComponents.Bridge or ContainerComponents.Proxy or ContainerComponents.Worker or ContainerComponents.Redis))
            {
                LogOrphan(logger, orphan.Name);
                await docker.RemoveAsync(orphan.Id, cancellationToken);
            }

            await workers.RemoveServicesAsync(cancellationToken);
            return;
        }

        if (d.Phase != InstallPhase.Installed)
        {
            return;
        }

        foreach (var stray in owned.Where(c => c.Component is ContainerComponents.Homeserver && c.Name != names.Synapse && c.Name != names.SynapsePrevious))
        {
            LogOrphan(logger, stray.Name);
            await docker.RemoveAsync(stray.Id, cancellationToken);
        }

        await SettleUpgradeAsync(d, owned, cancellationToken);

        if (d.Desired == DesiredState.Running)
        {
            await installer.EnsureDatabaseRunningAsync(d, null, cancellationToken);
            await installer.EnsureSynapseContainerAsync(d, cancellationToken);
            var synapse = await docker.InspectAsync(names.Synapse, cancellationToken);
            if (synapse is { State: "created" or "exited" or "dead" })
            {
                LogStarting(logger, names.Synapse, synapse.State);
                await docker.StartAsync(names.Synapse, cancellationToken);
            }

            await bridges.ReconcileAsync(d, owned, cancellationToken);
            // The proxy first: in Swarm mode the workers' pass attaches it to the overlay.
            await proxy.RestoreAsync(d, cancellationToken);
            await workers.RestoreMissingAsync(d, cancellationToken);
        }
        else if (await docker.InspectAsync(names.Synapse, cancellationToken) is { IsRunning: true })
        {
            await docker.StopAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        }
    }

    /// <summary>
    /// An install that was still running when the panel stopped is resumed, with a back-off (see
    /// <see cref="HomeserverDeployment.NextAutomaticInstallAttempt"/>): a panel that keeps dying during
    /// the install must not retry it forever. After the last attempt the install is marked failed,
    /// with the reason, and the Homeserver page offers the wizard again.
    /// </summary>
    private async Task ResumeInterruptedInstallAsync(CancellationToken cancellationToken)
    {
        try
        {
            DateTimeOffset? next;
            string serverName;
            int attempt;
            HomeserverDatabase database;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                var d = await db.Homeservers.SingleOrDefaultAsync(cancellationToken);
                if (d is not { Phase: InstallPhase.Installing })
                {
                    return;
                }

                next = d.NextAutomaticInstallAttempt();
                if (next is null)
                {
                    d.GiveUpInterruptedInstall();
                    await db.SaveChangesAsync(cancellationToken);
                    LogGaveUp(logger, d.ServerName, d.AutomaticInstallAttempts);
                    return;
                }

                serverName = d.ServerName;
                database = d.Database;
                attempt = d.AutomaticInstallAttempts + 1;
            }

            var wait = next.Value - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                LogResumingLater(logger, serverName, (int)Math.Ceiling(wait.TotalSeconds), attempt, HomeserverDeployment.MaxAutomaticInstallAttempts);
                await Task.Delay(wait, clock, cancellationToken);
            }

            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                var d = await db.Homeservers.SingleOrDefaultAsync(cancellationToken);
                if (d is not { Phase: InstallPhase.Installing } || operations.IsBusy)
                {
                    return; // a person took over meanwhile
                }

                d.BeginAutomaticInstallAttempt(clock.GetUtcNow());
                await db.SaveChangesAsync(cancellationToken);
            }

            LogResuming(logger, serverName, attempt, HomeserverDeployment.MaxAutomaticInstallAttempts);
            _ = homeserver.StartInstallOperation(serverName, database, AuditActor.System, $"resumed after an interruption (attempt {attempt} of {HomeserverDeployment.MaxAutomaticInstallAttempts})");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is ConflictException or ContainerRuntimeUnavailableException)
        {
            LogPassFailed(logger, ex);
        }
    }

    // The database says which image is wanted. A "previous" container means an upgrade stopped
    // half-way: keep whichever container runs the wanted image, drop the other.
    private async Task SettleUpgradeAsync(HomeserverDeployment d, IReadOnlyList<ContainerInfo> owned, CancellationToken cancellationToken)
    {
        var previous = owned.FirstOrDefault(c => c.Name == names.SynapsePrevious);
        if (previous is null)
        {
            return;
        }

        var main = owned.FirstOrDefault(c => c.Name == names.Synapse);
        if (main is not null && main.Image == d.SynapseImage)
        {
            await docker.RemoveAsync(previous.Id, cancellationToken);
            return;
        }

        if (previous.Image == d.SynapseImage)
        {
            if (main is not null)
            {
                await docker.RemoveAsync(main.Id, cancellationToken);
            }

            await docker.RenameAsync(previous.Id, names.Synapse, cancellationToken);
            LogRolledBackInterrupted(logger, d.SynapseImage);
            return;
        }

        await docker.RemoveAsync(previous.Id, cancellationToken);
    }

    private async Task WatchEventsAsync(CancellationToken stoppingToken)
    {
        var away = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var d = await homeserver.GetDeploymentAsync(stoppingToken);
                IReadOnlyCollection<string> also = d?.AttachedContainerName is { } attached ? [attached] : [];
                if (away)
                {
                    LogDockerBack(logger);
                    away = false;
                    Nudge();
                }

                await foreach (var e in docker.WatchEventsAsync(also, stoppingToken))
                {
                    feed.Publish(e);
                    // "pause": a container frozen outside a backup (a backup pauses bridges under an
                    // operation, when the pass does not run) was left so by one that died.
                    if (e.Action is "die" or "oom" or "destroy" or "pause" || e.Action.StartsWith("health_status", StringComparison.Ordinal))
                    {
                        Nudge();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (!away)
                {
                    LogEventsLost(logger, ex.Message);
                }

                away = true;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(3), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing orphaned container {Name}")]
    private static partial void LogOrphan(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting {Name}, which was {State}")]
    private static partial void LogStarting(ILogger logger, string name, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the interrupted install of {ServerName} (attempt {Attempt} of {Max})")]
    private static partial void LogResuming(ILogger logger, string serverName, int attempt, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The install of {ServerName} was interrupted again: resuming it in {Seconds} s (attempt {Attempt} of {Max})")]
    private static partial void LogResumingLater(ILogger logger, string serverName, int seconds, int attempt, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The install of {ServerName} was interrupted {Attempts} times; it is marked failed and not resumed again")]
    private static partial void LogGaveUp(ILogger logger, string serverName, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An upgrade was interrupted; kept the previous container with {Image}")]
    private static partial void LogRolledBackInterrupted(ILogger logger, string image);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the Docker event stream: {Error}")]
    private static partial void LogEventsLost(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker is reachable again")]
    private static partial void LogDockerBack(ILogger logger);
}
