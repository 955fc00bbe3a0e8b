using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Backups;
using Panel.Web.Features.ReverseProxy;

namespace Panel.Web.Features.Homeserver;

public sealed record WorkersRequest(int? GenericWorkers, bool? FederationSender, bool? MediaWorker, int? WorkerMemoryLimitMb);

public sealed record WorkerProcessView(string Name, string Kind, string Container, string? State, string? Health);

/// <summary>The processes Synapse runs as now, and why worker mode is not offered when it is not.</summary>
public sealed record WorkersView(string Layout, int GenericWorkers, bool FederationSender, bool MediaWorker, long? WorkerMemoryLimitBytes, IReadOnlyList<WorkerProcessView> Processes, string? Unavailable);

/// <summary>
/// Worker mode (ADR-017): from the monolith to a main process with workers and Redis, or back, as
/// one operation after a backup. When the new layout does not become healthy, the old one is put
/// back (config, containers, proxy routes) and the operation says why.
/// </summary>
public sealed class WorkerModeService(
    HomeserverAccess access,
    HomeserverContainers containers,
    SynapseWorkerContainers workerContainers,
    HomeserverOperations operations,
    ReverseProxyService proxy,
    AfterBackup afterBackup,
    IContainerRuntime docker,
    HomeserverNames names,
    ISecretProtector secrets,
    IOptions<HomeserverOptions> options)
{
    public const string Kind = "workers";

    public async Task<WorkersView> GetAsync(CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        var layout = d?.Workers ?? WorkerLayout.Monolith;
        var processes = new List<WorkerProcessView>();
        if (d is not null)
        {
            var main = await docker.InspectAsync(names.Synapse, cancellationToken);
            processes.Add(new WorkerProcessView("main", "main", names.Synapse, main?.State, main?.Health));
            foreach (var w in layout.Workers())
            {
                var c = await docker.InspectAsync(names.Worker(w), cancellationToken);
                processes.Add(new WorkerProcessView(w.Name, w.Kind.ToString(), names.Worker(w), c?.State, c?.Health));
            }
        }

        return new WorkersView(layout.ToString(), layout.GenericWorkers, layout.FederationSender, layout.MediaWorker, d?.WorkerMemoryLimitBytes, processes, await UnavailableAsync(d, cancellationToken));
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
        if (memory is < HomeserverDeployment.MinimumWorkerMemoryBytes)
        {
            throw new DomainException($"A worker needs at least {HomeserverDeployment.MinimumWorkerMemoryBytes / (1024 * 1024)} MiB: it is a Synapse process of its own.");
        }

        if (layout == d.Workers && memory == d.WorkerMemoryLimitBytes)
        {
            throw new DomainException($"Synapse already runs as {layout}.");
        }

        if (!layout.IsMonolith && !await proxy.IsEnabledAsync(cancellationToken))
        {
            throw new DomainException("Worker mode needs the reverse proxy the panel runs (Reverse proxy, above): it sends each request to the process that serves it.");
        }

        await afterBackup.RunAsync(actor, _ => Task.FromResult(Start(d.Workers, d.WorkerMemoryLimitBytes, layout, memory, actor)), cancellationToken);
    }

    private Task Start(WorkerLayout previous, long? previousMemory, WorkerLayout layout, long? memory, AuditActor actor) =>
        operations.Start(Kind,
            [("config", "Write the configuration"), ("redis", layout.IsMonolith ? "Redis (not needed)" : "Start Redis"), ("main", "Restart the main process"),
             ("workers", "Start the workers"), ("healthy", "Wait until every process is healthy"), ("proxy", "Route requests to the processes")],
            async (progress, ct) =>
            {
                try
                {
                    await SwitchAsync(progress, layout, memory, ct);
                    progress.Outcome($"Synapse runs as {layout}.");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Back to what ran before: its config, its containers, its routes. The data never moved.
                    await SwitchAsync(OperationContext.Silent, previous, previousMemory, ct);
                    throw new DomainException($"{e.Message} The homeserver is back to {previous}.", e) { Details = (e as DomainException)?.Details };
                }
            },
            audit: new OperationAudit(actor, "homeserver.workers", "homeserver", layout.ToString()));

    private async Task SwitchAsync(OperationContext progress, WorkerLayout layout, long? memory, CancellationToken ct)
    {
        progress.Start("config");
        await access.ChangeAsync(d => d.ApplyWorkers(layout, memory, secrets.Protect(Convert.ToHexString(RandomNumberGenerator.GetBytes(32))), Containers.HostPorts.FindFree()), ct);
        var d = await access.GetDeploymentAsync(ct) ?? throw new InvalidOperationException("The homeserver is gone.");
        await containers.WriteConfigAsync(d, names.Synapse, ct);
        progress.Done("config", layout.IsMonolith ? "One process." : $"{layout.Workers().Count} worker file(s) and the shared settings.");

        if (layout.IsMonolith)
        {
            progress.Skip("redis", "Not needed by one process.");
        }
        else
        {
            progress.Start("redis");
            await workerContainers.EnsureRedisAsync(progress, "redis", ct);
            progress.Done("redis");
        }

        progress.Start("main");
        await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
        await containers.WaitHealthyAsync(progress, "main", d, ct);

        progress.Start("workers");
        var wanted = layout.Workers().Select(names.Worker).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in (await docker.ListOwnedAsync(ContainerComponents.Worker, ct)).Where(c => !wanted.Contains(c.Name)))
        {
            await docker.RemoveAsync(stale.Id, ct);
        }

        if (layout.IsMonolith)
        {
            await workerContainers.RemoveAllAsync(ct);
        }

        foreach (var worker in layout.Workers())
        {
            await workerContainers.StartWorkerAsync(d, worker, ct);
        }

        progress.Done("workers", string.Join(", ", layout.Workers().Select(w => w.Name)));
        progress.Start("healthy");
        await workerContainers.WaitHealthyAsync(layout.Workers(), TimeSpan.FromSeconds(options.Value.HealthTimeoutSeconds), ct);
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
