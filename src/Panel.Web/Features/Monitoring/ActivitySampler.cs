using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

/// <summary>
/// Reads the homeserver's request counters (Synapse's metrics) every few seconds and records what
/// was counted since the last reading in the homeserver's minute buckets, beside its memory: how
/// busy the server was when its memory was what it was. With workers, each process's requests are also
/// counted from its access log (read through the engine, wherever its container or Swarm task runs):
/// the share of the requests each process serves.
/// </summary>
public sealed partial class ActivitySampler(
    HomeserverAccess homeserver, HomeserverNames names, MetricsStore store, IContainerRuntime docker, ISwarmRuntime swarm, TimeProvider clock, ILogger<ActivitySampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    private HomeserverActivity? _last;

    /// <summary>Per process, the engine's time of the last access-log line counted: the next read starts after it.</summary>
    private readonly Dictionary<string, DateTimeOffset> _readTo = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A homeserver that does not answer now is read again at the next tick.
                LogReadFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed, AdminAccessTokenProtected: not null })
        {
            _last = null;
            return;
        }

        var reading = await homeserver.CreateAdmin(d).GetActivityAsync(cancellationToken);
        if (reading is null)
        {
            return;
        }

        var (requests, syncs) = reading.Since(_last);
        _last = reading;
        var container = d.Mode == HomeserverMode.Managed ? names.Synapse : d.AttachedContainerName ?? ContainerComponents.Homeserver;
        store.RecordActivity(new SeriesInfo(ContainerComponents.Homeserver, container, ContainerComponents.Homeserver, d.Mode == HomeserverMode.Managed), clock.GetUtcNow(), requests, syncs);
        if (d.Mode == HomeserverMode.Managed)
        {
            await SampleWorkersAsync(d, cancellationToken);
        }
    }

    /// <summary>
    /// With workers, what each process served, from its access log: each worker's requests also go into
    /// its own series; the main process's series keeps its metrics (which count the panel's own calls).
    /// </summary>
    private async Task SampleWorkersAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var serving = d.Workers.Workers().Where(w => w.Port > 0).Select(w => (Key: names.Worker(w), Worker: (SynapseWorker?)w)).ToList();
        if (serving.Count > 0)
        {
            serving.Add((ContainerComponents.Homeserver, null));
        }

        foreach (var gone in _readTo.Keys.Except(serving.Select(s => s.Key)).ToList())
        {
            _readTo.Remove(gone);
        }

        foreach (var (key, worker) in serving)
        {
            if (!_readTo.TryGetValue(key, out var readTo))
            {
                // As for the main process's metrics: nothing before the first reading.
                _readTo[key] = now;
                continue;
            }

            try
            {
                var lines = worker is not null && d.RunsAsService(worker)
                    ? await swarm.GetServiceLogsSinceAsync(key, readTo, cancellationToken)
                    : await docker.GetLogsSinceAsync(worker is null ? names.Synapse : key, readTo, cancellationToken);
                // The engine's "since" includes the line stamped at it: the one counted last time.
                var fresh = lines.Where(l => l.Time > readTo).ToList();
                if (fresh.Count > 0)
                {
                    _readTo[key] = fresh.Max(l => l.Time);
                }

                var (requests, syncs) = SynapseAccessLog.Count(fresh.Select(l => l.Text));
                store.RecordServed(key, now, requests);
                if (worker is not null)
                {
                    store.RecordActivity(new SeriesInfo(key, key, ContainerComponents.Worker, true), now, requests, syncs);
                }
            }
            catch (Exception e) when (e is NotFoundException or ContainerRuntimeUnavailableException)
            {
                // A process being replaced (or the engine away) is read again at the next tick, from where the count stopped.
                LogReadFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the homeserver's counters failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
