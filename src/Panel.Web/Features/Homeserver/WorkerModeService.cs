using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.ReverseProxy;

namespace Panel.Web.Features.Homeserver;

public sealed record WorkersRequest(int? GenericWorkers, bool? FederationSender, bool? MediaWorker, int? WorkerMemoryLimitMb, bool? Swarm = null);

/// <summary>A rolling update of the workers' Swarm services to another image.</summary>
public sealed record WorkerImageRequest(string? Image);

/// <summary>A process of Synapse's with its state and its latest CPU (percent of a core) and memory, as the samplers last read them.</summary>
public sealed record WorkerProcessView(string Name, string Kind, string Container, string? State, string? Health, bool SwarmService = false, double? CpuPercent = null, long? MemoryBytes = null,
    RequestShare? Requests = null);

/// <summary>The processes Synapse runs as now, and why worker mode is not offered when it is not.</summary>
public sealed record WorkersView(string Layout, int GenericWorkers, bool FederationSender, bool MediaWorker, long? WorkerMemoryLimitBytes, IReadOnlyList<WorkerProcessView> Processes, string? Unavailable,
    bool OnSwarm = false, string? WorkerImage = null, SwarmView? Swarm = null, WorkerAdvice? Advice = null);

/// <summary>
/// Worker mode (ADR-017): from the monolith to a main process with workers and Redis, or back, as
/// one operation after a backup. When the new layout does not become healthy, the old one is put
/// back (config, containers, proxy routes) and the operation says why.
/// </summary>
public sealed class WorkerModeService(
    HomeserverAccess access,
    HomeserverContainers containers,
    WorkerProcesses workers,
    SwarmWorkerServices swarmServices,
    HomeserverOperations operations,
    ReverseProxyService proxy,
    AfterBackup afterBackup,
    IContainerRuntime docker,
    SwarmStatus swarmView,
    HomeserverNames names,
    ISecretProtector secrets,
    MetricsStore metrics,
    TimeProvider clock,
    IOptions<HomeserverOptions> options)
{
    public const string Kind = "workers";

    public async Task<WorkersView> GetAsync(CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        var layout = d?.Workers ?? WorkerLayout.Monolith;
        var processes = new List<WorkerProcessView>();
        var latest = metrics.Latest().GroupBy(l => l.Series.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Sample, StringComparer.Ordinal);
        var shares = metrics.RequestShares();
        WorkerAdvice? advice = null;
        if (d is not null)
        {
            var main = await docker.InspectAsync(names.Synapse, cancellationToken);
            var mainSample = latest.GetValueOrDefault(ContainerComponents.Homeserver);
            processes.Add(new WorkerProcessView("main", "main", names.Synapse, main?.State, main?.Health, false, mainSample?.CpuPercent, mainSample?.MemoryBytes, shares.GetValueOrDefault(ContainerComponents.Homeserver)));
            advice = WorkerAdvice.From(await metrics.HourlyCpuAsync(ContainerComponents.Homeserver, clock.GetUtcNow() - TimeSpan.FromDays(7), cancellationToken), Environment.ProcessorCount);
            foreach (var w in layout.Workers())
            {
                var (state, health) = await workers.StateAsync(d, w, cancellationToken);
                var sample = latest.GetValueOrDefault(names.Worker(w));
                processes.Add(new WorkerProcessView(w.Name, w.Kind.ToString(), names.Worker(w), state, health, d.RunsAsService(w), sample?.CpuPercent, sample?.MemoryBytes, shares.GetValueOrDefault(names.Worker(w))));
            }
        }

        return new WorkersView(layout.ToString(), layout.GenericWorkers, layout.FederationSender, layout.MediaWorker, d?.WorkerMemoryLimitBytes, processes, await UnavailableAsync(d, cancellationToken),
            d?.WorkersOnSwarm ?? false, d?.WorkersOnSwarm == true ? d.WorkerImage ?? d.SynapseImage : null, await swarmView.GetAsync(cancellationToken), advice);
    }

    /// <summary>Checks the request, then (after a backup) starts the operation; returns once it is planned.</summary>
    public async Task ApplyAsync(WorkersRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        if (await UnavailableAsync(d, cancellationToken) is { } why)
        {
            throw new DomainException(why);
        }

        var layout = WorkerLayout.Create(request.GenericWorkers ?? 0, request.FederationSender ?? false, request.MediaWorker ?? false, d!.Database);
        var memory = request.WorkerMemoryLimitMb is { } mb ? mb * 1024L * 1024 : (long?)null;
        var onSwarm = request.Swarm ?? false;
        if (onSwarm && layout.IsMonolith)
        {
            throw new DomainException("Swarm mode runs Synapse's workers as services: choose at least one worker.");
        }

        if (onSwarm && !d.WorkersOnSwarm && await swarmView.GetAsync(cancellationToken) is { CanDeploy: false } swarmState)
        {
            throw new DomainException(swarmState.Why ?? "This Docker engine is not a Swarm manager.");
        }

        if (memory is < HomeserverDeployment.MinimumWorkerMemoryBytes)
        {
            throw new DomainException($"A worker needs at least {HomeserverDeployment.MinimumWorkerMemoryBytes / (1024 * 1024)} MiB: it is a Synapse process of its own.");
        }

        if (layout == d.Workers && memory == d.WorkerMemoryLimitBytes && onSwarm == d.WorkersOnSwarm)
        {
            throw new DomainException($"Synapse already runs as {layout}{(onSwarm ? " on Swarm" : "")}.");
        }

        if (!layout.IsMonolith && !await proxy.IsEnabledAsync(cancellationToken))
        {
            throw new DomainException("Worker mode needs the reverse proxy the panel runs (Reverse proxy, above): it sends each request to the process that serves it.");
        }

        var before = new Target(d.Workers, d.WorkerMemoryLimitBytes, d.WorkersOnSwarm);
        await afterBackup.RunAsync(actor, _ => Task.FromResult(Start(before, new Target(layout, memory, onSwarm), actor)), cancellationToken);
    }

    public const string ImageKind = "workers-image";

    /// <summary>
    /// A rolling update of the workers' Swarm services to <see cref="WorkerImageRequest.Image"/>, one
    /// service at a time. Swarm rolls a service back when its new task fails; the panel then puts the
    /// services it already updated back too (every worker runs one image) and says what Swarm said.
    /// </summary>
    public async Task RollOutImageAsync(WorkerImageRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var image = request.Image?.Trim();
        if (string.IsNullOrEmpty(image) || image.Any(char.IsWhiteSpace))
        {
            throw new DomainException("Give an image, such as homeserver-panel/synapse:1.160.0.");
        }

        var d = await access.GetDeploymentAsync(cancellationToken);
        if (d is not { WorkersOnSwarm: true })
        {
            throw new DomainException("A rolling update is for workers that run as Swarm services: turn Swarm mode on first (Processes).");
        }

        if (d.ImageOf(d.Workers.Workers().First(d.RunsAsService)) == image)
        {
            throw new DomainException($"The workers already run {image}.");
        }

        var rolled = d.Workers.Workers().Where(d.RunsAsService).ToList();
        _ = operations.Start(ImageKind, [("image", "Get the image"), ("rollout", "Roll the services over, one at a time")], async (progress, ct) =>
        {
            progress.Start("image");
            await docker.EnsureAsync(image, progress, "image", ct);
            progress.Done("image");
            progress.Start("rollout");
            var updated = new List<SynapseWorker>();
            foreach (var worker in rolled)
            {
                progress.Progress("rollout", 100.0 * updated.Count / rolled.Count, $"{names.Worker(worker)}: updating");
                if (await swarmServices.RollOutAsync(d, worker, image, TimeSpan.FromSeconds(options.Value.HealthTimeoutSeconds) + TimeSpan.FromMinutes(1), ct) is { } why)
                {
                    foreach (var done in updated)
                    {
                        await swarmServices.DeployWorkerAsync(d, done, ct);
                    }

                    // Swarm calls the rollback complete before the old task is healthy again: the operation
                    // ends when the workers serve again (found by CI: a login right after it got a 502).
                    var serving = await ServingAgainAsync(rolled, d.ImageOf(worker), ct);
                    progress.Fail("rollout", why);
                    throw new DomainException($"{why} The workers stay on {d.ImageOf(worker)}{serving}");
                }

                updated.Add(worker);
            }

            await access.ChangeAsync(x => x.RolledOutWorkers(image), ct);
            progress.Done("rollout", string.Join(", ", rolled.Select(names.Worker)));
            progress.Outcome($"The workers run {image}.");
        }, audit: new OperationAudit(actor, "homeserver.workers.image", "homeserver", image));
    }

    /// <summary>Waits for the rolled-back services to run again: "." when they do, else what is still wrong.</summary>
    private async Task<string> ServingAgainAsync(IReadOnlyList<SynapseWorker> rolled, string image, CancellationToken ct)
    {
        try
        {
            await swarmServices.WaitRunningAsync([.. rolled.Select(names.Worker)], TimeSpan.FromSeconds(options.Value.HealthTimeoutSeconds), ct, image);
            return ".";
        }
        catch (DomainException e)
        {
            return $", but not serving yet: {e.Message}";
        }
    }

    /// <summary>What the processes should be: a layout, the workers' memory, and whether the workers are Swarm services.</summary>
    private sealed record Target(WorkerLayout Layout, long? Memory, bool OnSwarm)
    {
        public override string ToString() => OnSwarm ? $"{Layout} (workers as Swarm services)" : Layout.ToString();
    }

    private Task Start(Target previous, Target target, AuditActor actor) =>
        operations.Start(Kind,
            [("config", "Write the configuration"), ("redis", target.Layout.IsMonolith ? "Redis (not needed)" : target.OnSwarm ? "Start Redis as a Swarm service" : "Start Redis"), ("main", "Restart the main process"),
             ("workers", "Start the workers"), ("healthy", "Wait until every process is healthy"), ("proxy", "Route requests to the processes")],
            async (progress, ct) =>
            {
                try
                {
                    await SwitchAsync(progress, target, ct);
                    progress.Outcome($"Synapse runs as {target}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Back to what ran before: its config, its containers, its routes. The data never moved.
                    await SwitchAsync(OperationContext.Silent, previous, ct);
                    throw new DomainException($"{e.Message} The homeserver is back to {previous}.", e) { Details = (e as DomainException)?.Details };
                }
            },
            audit: new OperationAudit(actor, "homeserver.workers", "homeserver", target.ToString()));

    private async Task SwitchAsync(OperationContext progress, Target target, CancellationToken ct)
    {
        var layout = target.Layout;
        progress.Start("config");
        await access.ChangeAsync(d => d.ApplyWorkers(layout, target.Memory, secrets.Protect(Convert.ToHexString(RandomNumberGenerator.GetBytes(32))), Containers.HostPorts.FindFree(), target.OnSwarm), ct);
        var d = await access.GetDeploymentAsync(ct) ?? throw new InvalidOperationException("The homeserver is gone.");
        await containers.WriteConfigAsync(d, names.Synapse, ct);
        progress.Done("config", layout.IsMonolith ? "One process." : $"{layout.Workers().Count} worker file(s) and the shared settings.");

        // What runs elsewhere (containers before Swarm mode, services after it) goes first: a name
        // must reach one process only.
        await workers.PruneAsync(d, ct);
        if (layout.IsMonolith)
        {
            progress.Skip("redis", "Not needed by one process.");
        }
        else
        {
            progress.Start("redis");
            await workers.EnsureRedisAsync(d, progress, "redis", ct);
            progress.Done("redis");
        }

        progress.Start("main");
        await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
        await containers.WaitHealthyAsync(progress, "main", d, ct);

        progress.Start("workers");
        await workers.StartWorkersAsync(d, ct);
        progress.Done("workers", string.Join(", ", layout.Workers().Select(w => d.RunsAsService(w) ? $"{w.Name} (service)" : w.Name)));
        progress.Start("healthy");
        await workers.WaitHealthyAsync(d, TimeSpan.FromSeconds(options.Value.HealthTimeoutSeconds), ct);
        progress.Done("healthy");

        progress.Start("proxy");
        progress.Done("proxy", await proxy.RefreshAsync(d, ct) ? "The proxy sends each path to its process." : "The panel runs no proxy.");
    }

    private async Task<string?> UnavailableAsync(HomeserverDeployment? d, CancellationToken cancellationToken) => d switch
    {
        null or { Phase: not InstallPhase.Installed } => "Install the homeserver first.",
        { Mode: HomeserverMode.Attached } => "This homeserver was attached: its processes are not the panel's to change.",
        { Database: not HomeserverDatabase.Postgres } => "Synapse's workers share one PostgreSQL database; this homeserver uses SQLite.",
        _ when !await proxy.IsEnabledAsync(cancellationToken) && d.Workers.IsMonolith => "Worker mode needs the reverse proxy the panel runs: turn it on first.",
        _ => null,
    };
}
