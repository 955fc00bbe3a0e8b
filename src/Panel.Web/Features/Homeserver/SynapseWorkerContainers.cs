using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// The containers of worker mode: Redis, and one container per Synapse worker, from Synapse's own
/// image, on the homeserver's network and its data volume (the media store and the config are shared).
/// </summary>
public sealed class SynapseWorkerContainers(IContainerRuntime docker, HomeserverNames names, IOptions<HomeserverOptions> options, TimeProvider clock)
{
    /// <summary>Redis running; its image pulled with progress on <paramref name="step"/> when it is not on this machine.</summary>
    public async Task EnsureRedisAsync(OperationContext progress, string step, CancellationToken cancellationToken)
    {
        var existing = await docker.InspectAsync(names.Redis, cancellationToken);
        if (existing is null)
        {
            await docker.EnsureAsync(options.Value.RedisImage, progress, step, cancellationToken);
            await docker.CreateAsync(new ContainerSpec
            {
                Name = names.Redis,
                Image = options.Value.RedisImage,
                Component = ContainerComponents.Redis,
                // Replication traffic only, rebuilt by the processes on a restart: nothing to keep on disk.
                Entrypoint = ["redis-server"],
                Command = ["--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"],
                Network = names.Network,
                MemoryLimitBytes = 128L * 1024 * 1024,
                RestartPolicy = "unless-stopped",
            }, cancellationToken);
        }

        if (existing is not { IsRunning: true })
        {
            await docker.StartAsync(names.Redis, cancellationToken);
        }
    }

    /// <summary>Creates and starts a worker's container (replacing one made for another image).</summary>
    public async Task StartWorkerAsync(HomeserverDeployment d, SynapseWorker worker, CancellationToken cancellationToken)
    {
        var name = names.Worker(worker);
        var existing = await docker.InspectAsync(name, cancellationToken);
        if (existing is not null && (existing.Image != d.SynapseImage || existing.MemoryLimitBytes != (d.WorkerMemoryLimitBytes ?? d.MemoryLimitBytes)))
        {
            await docker.RemoveAsync(existing.Id, cancellationToken);
            existing = null;
        }

        if (existing is null)
        {
            await docker.CreateAsync(new ContainerSpec
            {
                Name = name,
                Image = d.SynapseImage,
                Component = ContainerComponents.Worker,
                Labels = new Dictionary<string, string> { ["homeserver-panel.worker"] = worker.Name },
                // Images start the main process; a worker is the same Python with its own module and file.
                Entrypoint = [],
                Command = HomeserverContainers.SynapseProcessCommand(string.Join(' ', SynapseWorkerConfig.WorkerCommand(worker))),
                Network = names.Network,
                Volumes = new Dictionary<string, string> { [names.SynapseData(d.DataGeneration)] = SynapseConfig.DataDirectory },
                // The panel's own media calls reach the media worker here when it runs on the host.
                Ports = worker.Kind == WorkerKind.Media && d.MediaWorkerHostPort is { } port ? [new PortPublication(worker.Port, "127.0.0.1", port)] : [],
                MemoryLimitBytes = d.WorkerMemoryLimitBytes ?? d.MemoryLimitBytes,
                RestartPolicy = "unless-stopped",
                HealthCheck = worker.Port == 0 ? null : HealthCheck(worker),
            }, cancellationToken);
        }

        if (existing is not { IsRunning: true })
        {
            await docker.StartAsync(name, cancellationToken);
        }
    }

    /// <summary>A worker with an HTTP listener is healthy when its /health answers (as a container or a Swarm service).</summary>
    public static HealthCheckSpec HealthCheck(SynapseWorker worker) => new(
        ["CMD", "python3", "-c", $"import urllib.request; urllib.request.urlopen('http://localhost:{worker.Port}/health', timeout=4)"],
        TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(60));

    /// <summary>Waits until each worker is healthy (or, without an HTTP listener, has kept running); fails with the log of one that died.</summary>
    public async Task WaitHealthyAsync(IReadOnlyList<SynapseWorker> workers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var waiting = workers.ToList();
        // Restarts of this wait only: a kept container may have restarted long ago.
        var restartsBefore = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var worker in waiting)
        {
            restartsBefore[worker.Name] = (await docker.InspectAsync(names.Worker(worker), cancellationToken))?.RestartCount ?? 0;
        }

        while (waiting.Count > 0)
        {
            foreach (var worker in waiting.ToList())
            {
                var c = await docker.InspectAsync(names.Worker(worker), cancellationToken);
                if (c is null || c.State is "exited" or "dead" || c.RestartCount > restartsBefore[worker.Name])
                {
                    var log = c is null ? [] : await docker.GetLogsAsync(c.Id, 8, cancellationToken);
                    throw new DomainException($"The worker {worker.Name} stopped: {(log.Count > 0 ? log[^1] : "no log")}") { Details = string.Join('\n', log) };
                }

                var settled = worker.Port == 0 ? clock.GetUtcNow() - (c.StartedAt ?? started) > TimeSpan.FromSeconds(10) : c.Health == "healthy";
                if (settled)
                {
                    waiting.Remove(worker);
                }
            }

            if (waiting.Count > 0 && clock.GetUtcNow() - started > timeout)
            {
                throw new DomainException($"Not healthy within {timeout.TotalSeconds:0} s: {string.Join(", ", waiting.Select(w => w.Name))}.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Stops the workers and Redis (before the main process, when the homeserver stops).</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var c in (await docker.ListOwnedAsync(ContainerComponents.Worker, cancellationToken)).Where(c => c.IsRunning && !c.IsSwarmTask))
        {
            await docker.StopAsync(c.Id, TimeSpan.FromSeconds(30), cancellationToken);
        }

        if (await docker.InspectAsync(names.Redis, cancellationToken) is { IsRunning: true })
        {
            await docker.StopAsync(names.Redis, TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    /// <summary>Removes every worker container and Redis (back to the monolith, or before an uninstall).</summary>
    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        foreach (var c in (await docker.ListOwnedAsync(ContainerComponents.Worker, cancellationToken)).Where(c => !c.IsSwarmTask))
        {
            await docker.RemoveAsync(c.Id, cancellationToken);
        }

        await docker.RemoveAsync(names.Redis, cancellationToken);
    }
}
