using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Swarm mode's services (ADR-018): Redis and the workers that hold no volume, on the overlay network,
/// schedulable on any node. They do not mount Synapse's volume: the files a worker reads (the shared
/// config, the signing key, its own file, bridge registrations, CA files) reach it as Swarm secrets,
/// mounted where the volume would have them.
/// </summary>
public sealed class SwarmWorkerServices(ISwarmRuntime swarm, IContainerRuntime docker, HomeserverNames names, IOptions<HomeserverOptions> options, TimeProvider clock)
{
    /// <summary>The files under /data that a process without the volume needs (never the media store or a database).</summary>
    private const string FilesToCarry = "homeserver.yaml " + SynapseConfig.SigningKeyFile + " " + SynapseWorkerConfig.WorkerDirectory + " " + SynapseLayout.AppServiceDirectory + " " + SynapseConfig.FederationCaDirectory;

    /// <summary>The overlay network, with the containers the services talk to attached to it.</summary>
    public async Task EnsureNetworkAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        await swarm.EnsureOverlayNetworkAsync(names.Overlay, cancellationToken);
        // By name, as in container mode; PostgreSQL also by the alias Synapse's config names it with.
        var attached = new List<(string Name, string[] Aliases)> { (names.Synapse, []), (names.Proxy, []) };
        if (d.Database == HomeserverDatabase.Postgres)
        {
            attached.Add((names.Postgres, [HomeserverContainers.DatabaseAlias]));
        }

        attached.AddRange(d.Workers.Workers().Where(w => !d.RunsAsService(w)).Select(w => (names.Worker(w), Array.Empty<string>())));
        foreach (var (container, aliases) in attached)
        {
            if (await docker.InspectAsync(container, cancellationToken) is not null)
            {
                await docker.ConnectNetworkAsync(names.Overlay, container, cancellationToken, aliases);
            }
        }
    }

    /// <summary>Redis as a service; its image pulled with progress on <paramref name="step"/> when this node lacks it.</summary>
    public async Task EnsureRedisAsync(OperationContext progress, string step, CancellationToken cancellationToken)
    {
        await docker.EnsureAsync(options.Value.RedisImage, progress, step, cancellationToken);
        await swarm.DeployServiceAsync(new SwarmServiceSpec
        {
            Name = names.Redis,
            Image = options.Value.RedisImage,
            Component = ContainerComponents.Redis,
            Entrypoint = ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"],
            Network = names.Overlay,
            MemoryLimitBytes = 128L * 1024 * 1024,
        }, cancellationToken);
    }

    /// <summary>Deploys the worker's service (a rolling update when it exists), with its files as secrets.</summary>
    public async Task DeployWorkerAsync(HomeserverDeployment d, SynapseWorker worker, CancellationToken cancellationToken, string? image = null) =>
        await swarm.DeployServiceAsync(await SpecAsync(d, worker, image ?? d.ImageOf(worker), cancellationToken), cancellationToken);

    private async Task<SwarmServiceSpec> SpecAsync(HomeserverDeployment d, SynapseWorker worker, string image, CancellationToken cancellationToken) => new()
    {
        Name = names.Worker(worker),
        Image = image,
        Component = ContainerComponents.Worker,
        Labels = new Dictionary<string, string> { ["homeserver-panel.worker"] = worker.Name },
        // The same line of shell as the worker's container: the image's Python with the worker's files.
        Entrypoint = HomeserverContainers.SynapseProcessCommand(string.Join(' ', SynapseWorkerConfig.WorkerCommand(worker))),
        Network = names.Overlay,
        Files = await CarryFilesAsync(cancellationToken),
        MemoryLimitBytes = d.WorkerMemoryLimitBytes ?? d.MemoryLimitBytes,
        HealthCheck = worker.Port == 0 ? null : SynapseWorkerContainers.HealthCheck(worker),
    };

    /// <summary>Each file a worker reads, as a secret named by its content (secrets cannot change; a new content is a new secret).</summary>
    private async Task<IReadOnlyList<SwarmFile>> CarryFilesAsync(CancellationToken cancellationToken)
    {
        var list = await docker.ExecAsync(names.Synapse, ["sh", "-c", $"cd {SynapseConfig.DataDirectory} && find {FilesToCarry} -type f 2>/dev/null || true"], null, cancellationToken);
        var files = new List<SwarmFile>();
        foreach (var path in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal))
        {
            var target = $"{SynapseConfig.DataDirectory}/{path}";
            var content = await docker.ReadFileAsync(names.Synapse, target, cancellationToken) ?? throw new DomainException($"Synapse's file {target} went away while it was read.");
            var secret = names.SwarmFilePrefix + Convert.ToHexStringLower(SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes(path), 0, .. content]))[..24];
            await swarm.EnsureSecretAsync(secret, content, cancellationToken);
            files.Add(new SwarmFile(target, secret));
        }

        return files;
    }

    /// <summary>
    /// Waits until each service's newest task runs (with a health check, Swarm calls a task running only
    /// once it is healthy); fails with the task's error and the service's log when one failed meanwhile
    /// (only one of <paramref name="image"/> when given: after a rollback, the failed tasks of the refused
    /// image change state as Swarm shuts them down).
    /// </summary>
    public async Task WaitRunningAsync(IReadOnlyList<string> services, TimeSpan timeout, CancellationToken cancellationToken, string? image = null)
    {
        var started = clock.GetUtcNow();
        var waiting = services.ToList();
        while (waiting.Count > 0)
        {
            foreach (var service in waiting.ToList())
            {
                var tasks = await swarm.ListTasksAsync(service, cancellationToken);
                if (tasks.FirstOrDefault(t => t.State is "failed" or "rejected" && t.Updated >= started && (image is null || t.Image == image)) is { } failed)
                {
                    var log = await swarm.GetServiceLogsAsync(service, 30, cancellationToken);
                    // Synapse frames its fatal errors in lines of stars: the sentence is the last line with words.
                    var said = log.LastOrDefault(l => l.Any(char.IsLetter));
                    throw new DomainException($"The service {service} failed: {failed.Error ?? failed.Message}{(said is null ? "" : $" ({said.Trim()})")}") { Details = string.Join('\n', log) };
                }

                if (tasks.FirstOrDefault(t => t.DesiredState == "running") is { State: "running" })
                {
                    waiting.Remove(service);
                }
            }

            if (waiting.Count > 0 && clock.GetUtcNow() - started > timeout)
            {
                throw new DomainException($"Not running within {timeout.TotalSeconds:0} s: {string.Join(", ", waiting)}.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>
    /// Deploys <paramref name="worker"/> on <paramref name="image"/> and waits for Swarm to finish the
    /// rolling update: null when a task of the new image runs, else Swarm's words for why it rolled
    /// back (or paused). The service's update status is read only once it belongs to this update: until
    /// Swarm starts, it still tells of the one before.
    /// </summary>
    public async Task<string?> RollOutAsync(HomeserverDeployment d, SynapseWorker worker, string image, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var service = names.Worker(worker);
        // The engine's clock stamps the update; a second of slack for the two clocks.
        var started = clock.GetUtcNow() - TimeSpan.FromSeconds(1);
        await DeployWorkerAsync(d, worker, cancellationToken, image);
        string? reason = null;
        while (true)
        {
            var s = await swarm.InspectServiceAsync(service, cancellationToken) ?? throw new DomainException($"The service {service} is gone.");
            var current = s.UpdateStartedAt >= started;
            if (current && s.UpdateState is "rollback_started")
            {
                // Swarm says why only while it rolls back ("update rolled back due to failure…"); once done, "rollback completed".
                reason = s.UpdateMessage;
            }

            if (current && s.UpdateState is "rollback_completed" or "rollback_paused" or "paused")
            {
                var failed = (await swarm.ListTasksAsync(service, cancellationToken)).FirstOrDefault(t => t.Image == image && t.Error is not null);
                var why = string.Join("; ", new[] { reason ?? s.UpdateMessage, failed?.Error }.Where(w => !string.IsNullOrEmpty(w)));
                return $"Swarm {(s.UpdateState == "paused" ? "paused the update of" : "rolled back")} {service}: {(why.Length > 0 ? why : "no reason given")}.";
            }

            if (s.UpdateState is not ("updating" or "rollback_started")
                && (await swarm.ListTasksAsync(service, cancellationToken)).FirstOrDefault(t => t.DesiredState == "running") is { State: "running" } task
                && task.Image == image)
            {
                return null;
            }

            if (clock.GetUtcNow() - started > timeout)
            {
                throw new DomainException($"Swarm did not finish updating {service} within {timeout.TotalSeconds:0} s (it says: {s.UpdateState ?? "no update"}).");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Removes the overlay network once nothing uses it (a removed service's tasks take a few seconds to go).</summary>
    public async Task RemoveNetworkAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await docker.RemoveNetworkAsync(names.Overlay, cancellationToken);
                return;
            }
            catch (ContainerEngineException) when (attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>The task that runs (or last tried to run) a service.</summary>
    public async Task<SwarmTaskInfo?> NewestTaskAsync(string service, CancellationToken cancellationToken) =>
        (await swarm.ListTasksAsync(service, cancellationToken)) is [var newest, ..] ? newest : null;

    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var service in await OwnedAsync(cancellationToken))
        {
            await swarm.ScaleServiceAsync(service.Name, 0, cancellationToken);
        }
    }

    /// <summary>Removes the services not in <paramref name="keep"/>, and the secrets no service uses any more.</summary>
    public async Task RemoveAllAsync(IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        var state = await swarm.InspectAsync(cancellationToken);
        if (!state.IsActiveManager)
        {
            // Not in a swarm (or no longer a manager): there is nothing of ours to remove here.
            return;
        }

        foreach (var service in (await ListOwnedAsync(cancellationToken)).Where(s => !keep.Contains(s.Name)))
        {
            await swarm.RemoveServiceAsync(service.Name, cancellationToken);
        }

        // The remaining services use the current files' secrets; a removed service's tasks may take a
        // moment to let theirs go (a secret in use is left for the next clean-up).
        await swarm.RemoveSecretsAsync(names.SwarmFilePrefix, keep.Count == 0 ? [] : await SecretsInUseAsync(cancellationToken), cancellationToken);
    }

    private async Task<IReadOnlyCollection<string>> SecretsInUseAsync(CancellationToken cancellationToken)
    {
        // Content-named secrets are shared by every worker: the current files' names are the ones in use.
        var files = await CarryFilesAsync(cancellationToken);
        return [.. files.Select(f => f.Secret)];
    }

    /// <summary>
    /// Swarm mode's services that were removed behind the panel's back come back, as missing containers
    /// do (the reconciler's pass); nothing when the engine is no longer a Swarm manager.
    /// </summary>
    public async Task RestoreMissingAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (!(await swarm.InspectAsync(cancellationToken)).IsActiveManager)
        {
            return;
        }

        // A container the pass has just made again (the media worker's, the proxy's, Synapse's) joins
        // the overlay, where the services reach it; those already on it are left as they are.
        await EnsureNetworkAsync(d, cancellationToken);
        var existing = (await ListOwnedAsync(cancellationToken)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        if (!existing.Contains(names.Redis))
        {
            await EnsureRedisAsync(OperationContext.Silent, "redis", cancellationToken);
        }

        foreach (var worker in d.Workers.Workers().Where(d.RunsAsService).Where(w => !existing.Contains(names.Worker(w))))
        {
            await DeployWorkerAsync(d, worker, cancellationToken);
        }
    }

    /// <summary>The panel's worker and Redis services; none when the engine is not (or no longer) a Swarm manager.</summary>
    public async Task<IReadOnlyList<SwarmServiceInfo>> OwnedAsync(CancellationToken cancellationToken) =>
        (await swarm.InspectAsync(cancellationToken)).IsActiveManager ? await ListOwnedAsync(cancellationToken) : [];

    // For callers that have just checked that the engine is a manager.
    private async Task<IReadOnlyList<SwarmServiceInfo>> ListOwnedAsync(CancellationToken cancellationToken) =>
        [.. (await swarm.ListOwnedServicesAsync(null, cancellationToken)).Where(s => s.Component is ContainerComponents.Worker or ContainerComponents.Redis)];
}
