using Panel.Domain.Containers;
using Panel.Domain.Homeserver;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Synapse's worker processes and Redis wherever the deployment says they run: as containers beside
/// the main process, or (Swarm mode, ADR-018) as Swarm services for those that hold no volume. The one
/// home of "start, wait for, stop and remove the workers" for worker mode, the lifecycle and uninstall.
/// </summary>
public sealed class WorkerProcesses(SynapseWorkerContainers containers, SwarmWorkerServices services, IContainerRuntime docker, HomeserverNames names)
{
    /// <summary>Removes the workers and Redis that run where this deployment does not put them (containers or services).</summary>
    public async Task PruneAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var asContainers = d.Workers.Workers().Where(w => !d.RunsAsService(w)).Select(names.Worker).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in (await docker.ListOwnedAsync(ContainerComponents.Worker, cancellationToken)).Where(c => !c.IsSwarmTask && !asContainers.Contains(c.Name)))
        {
            await docker.RemoveAsync(stale.Id, cancellationToken);
        }

        if (d.WorkersOnSwarm || d.Workers.IsMonolith)
        {
            await docker.RemoveAsync(names.Redis, cancellationToken);
        }

        var asServices = d.Workers.Workers().Where(d.RunsAsService).Select(names.Worker).ToList();
        if (d.WorkersOnSwarm)
        {
            asServices.Add(names.Redis);
        }

        await services.RemoveAllAsync(asServices, cancellationToken);
    }

    /// <summary>Redis running where the deployment puts it (before the main process restarts into worker mode).</summary>
    public async Task EnsureRedisAsync(HomeserverDeployment d, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        if (!d.WorkersOnSwarm)
        {
            await containers.EnsureRedisAsync(progress, step, cancellationToken);
            return;
        }

        await services.EnsureNetworkAsync(d, cancellationToken);
        await services.EnsureRedisAsync(progress, step, cancellationToken);
        await services.WaitRunningAsync([names.Redis], TimeSpan.FromMinutes(2), cancellationToken);
    }

    /// <summary>Every worker of the layout started (or deployed) where it runs.</summary>
    public async Task StartWorkersAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        foreach (var worker in d.Workers.Workers().Where(w => !d.RunsAsService(w)))
        {
            await containers.StartWorkerAsync(d, worker, cancellationToken);
        }

        if (d.WorkersOnSwarm)
        {
            // The media worker's container joins the overlay, where the services reach it.
            await services.EnsureNetworkAsync(d, cancellationToken);
            foreach (var worker in d.Workers.Workers().Where(d.RunsAsService))
            {
                await services.DeployWorkerAsync(d, worker, cancellationToken);
            }
        }
    }

    /// <summary>Waits until every worker is healthy; fails with the log of one that died.</summary>
    public async Task WaitHealthyAsync(HomeserverDeployment d, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await containers.WaitHealthyAsync([.. d.Workers.Workers().Where(w => !d.RunsAsService(w))], timeout, cancellationToken);
        await services.WaitRunningAsync([.. d.Workers.Workers().Where(d.RunsAsService).Select(names.Worker)], timeout, cancellationToken);
    }

    /// <summary>Redis and the layout's workers running (after a start of the main process); nothing for the monolith.</summary>
    public async Task StartAllAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (d.Workers.IsMonolith)
        {
            return;
        }

        await EnsureRedisAsync(d, OperationContext.Silent, "redis", cancellationToken);
        await StartWorkersAsync(d, cancellationToken);
    }

    /// <summary>Stops the workers and Redis (before the main process, when the homeserver stops); services keep their definition at 0 tasks.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        await services.StopAllAsync(cancellationToken);
        await containers.StopAllAsync(cancellationToken);
    }

    /// <summary>Removes every worker and Redis, containers and services (back to the monolith, or before an uninstall).</summary>
    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        await services.RemoveAllAsync([], cancellationToken);
        await containers.RemoveAllAsync(cancellationToken);
    }

    /// <summary>
    /// Workers and Redis removed or stopped behind the panel's back come back, as the main process does
    /// (the reconciler's pass): containers are created or started again, Swarm services deployed again
    /// (nothing for those when the engine is no longer a Swarm manager).
    /// </summary>
    public async Task RestoreMissingAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (d.Workers.IsMonolith)
        {
            return;
        }

        if (!d.WorkersOnSwarm)
        {
            await containers.EnsureRedisAsync(OperationContext.Silent, "redis", cancellationToken);
        }

        foreach (var worker in d.Workers.Workers().Where(w => !d.RunsAsService(w)))
        {
            await containers.StartWorkerAsync(d, worker, cancellationToken);
        }

        if (d.WorkersOnSwarm)
        {
            await services.RestoreMissingAsync(d, cancellationToken);
        }
    }

    /// <summary>The services of an interrupted uninstall (the reconciler's orphans).</summary>
    public Task RemoveServicesAsync(CancellationToken cancellationToken) => services.RemoveAllAsync([], cancellationToken);

    /// <summary>The overlay network gone, after an uninstall has removed the containers attached to it.</summary>
    public Task RemoveNetworkAsync(CancellationToken cancellationToken) => services.RemoveNetworkAsync(cancellationToken);

    /// <summary>The state of a worker as the card shows it: a container's, or the newest task's of its service.</summary>
    public async Task<(string? State, string? Health)> StateAsync(HomeserverDeployment d, SynapseWorker worker, CancellationToken cancellationToken)
    {
        if (!d.RunsAsService(worker))
        {
            var c = await docker.InspectAsync(names.Worker(worker), cancellationToken);
            return (c?.State, c?.Health);
        }

        var task = await services.NewestTaskAsync(names.Worker(worker), cancellationToken);
        return (task is null ? null : $"{task.State} (Swarm service)", null);
    }
}
