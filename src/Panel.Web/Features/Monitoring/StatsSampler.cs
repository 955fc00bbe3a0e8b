using Microsoft.EntityFrameworkCore;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

/// <summary>
/// Reads Docker's stats stream, one open stream per container: every container this panel manages,
/// the attached homeserver's container, and any container the owner asked to watch. A stream that
/// ends (the container stopped, Docker restarted) is opened again; the missing time shows as a gap.
/// </summary>
public sealed partial class StatsSampler(
    IContainerRuntime docker,
    IDbContextFactory<PanelDbContext> contexts,
    MetricsStore store,
    ContainerEventFeed events,
    ILogger<StatsSampler> logger) : BackgroundService
{
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(10);
    private readonly Dictionary<string, (SeriesInfo Series, CancellationTokenSource Stop, Task Loop)> _streams = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>The containers with an open stream right now (by container name).</summary>
    public IReadOnlyCollection<string> Streaming
    {
        get
        {
            lock (_streams)
            {
                return _streams.Keys.ToList();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        events.Received += OnEvent;
        var lastPrune = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RescanAsync(stoppingToken);
                    await store.FlushAsync(stoppingToken);
                    if (DateTimeOffset.UtcNow - lastPrune > TimeSpan.FromHours(1))
                    {
                        await store.PruneAsync(stoppingToken);
                        lastPrune = DateTimeOffset.UtcNow;
                    }
                }
                catch (ContainerRuntimeUnavailableException)
                {
                    // Docker is away; the streams end by themselves and are reopened when it is back.
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRescanFailed(logger, ex);
                }

                try
                {
                    await _wake.WaitAsync(RescanInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            events.Received -= OnEvent;
            List<Task> loops;
            lock (_streams)
            {
                foreach (var s in _streams.Values)
                {
                    s.Stop.Cancel();
                }

                loops = _streams.Values.Select(s => s.Loop).ToList();
            }

            await Task.WhenAll(loops);
            await store.FlushAsync(CancellationToken.None);
        }
    }

    private void OnEvent(ContainerEvent e)
    {
        if (e.Action is "start" or "destroy" or "create" && _wake.CurrentCount == 0)
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

    private async Task RescanAsync(CancellationToken stoppingToken)
    {
        var wanted = await WantedAsync(stoppingToken);
        lock (_streams)
        {
            foreach (var name in _streams.Keys.Except(wanted.Keys).ToList())
            {
                _streams[name].Stop.Cancel();
                _streams.Remove(name);
            }

            foreach (var (name, series) in wanted)
            {
                if (_streams.TryGetValue(name, out var existing) && !existing.Loop.IsCompleted)
                {
                    continue;
                }

                var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                _streams[name] = (series, stop, Task.Run(() => StreamAsync(series, stop.Token), CancellationToken.None));
            }
        }
    }

    /// <summary>Running containers to watch, by name, with the key their series is stored under.</summary>
    private async Task<Dictionary<string, SeriesInfo>> WantedAsync(CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, SeriesInfo>(StringComparer.Ordinal);
        foreach (var c in await docker.ListOwnedAsync(null, cancellationToken))
        {
            if (c.IsRunning && !c.Name.EndsWith("-previous", StringComparison.Ordinal))
            {
                wanted[c.Name] = new SeriesInfo(SeriesKey(c), c.Name, c.Component, true);
            }
        }

        List<string> extra;
        string? attached;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            extra = await db.WatchedContainers.Select(w => w.Name).ToListAsync(cancellationToken);
            attached = await db.Homeservers.Where(h => h.Mode == HomeserverMode.Attached && h.AttachedContainerName != null)
                .Select(h => h.AttachedContainerName!).SingleOrDefaultAsync(cancellationToken);
            if (attached is not null)
            {
                extra.Add(attached);
            }
        }

        foreach (var name in extra.Distinct())
        {
            if (wanted.ContainsKey(name))
            {
                continue;
            }

            // A stream that is still open means a running container: no need to ask the engine and
            // the database again every rescan (ten watched containers made that 120 calls a minute).
            if (LiveSeries(name) is { } live && (live.Key == ContainerComponents.Homeserver) == (name == attached))
            {
                wanted[name] = live;
                continue;
            }

            if (await docker.InspectAsync(name, cancellationToken) is { IsRunning: true } c)
            {
                var isHomeserver = await IsAttachedHomeserverAsync(name, cancellationToken);
                wanted[name] = new SeriesInfo(isHomeserver ? ContainerComponents.Homeserver : name, c.Name, isHomeserver ? ContainerComponents.Homeserver : null, false);
            }
        }

        return wanted;
    }

    private SeriesInfo? LiveSeries(string name)
    {
        lock (_streams)
        {
            return _streams.TryGetValue(name, out var s) && !s.Loop.IsCompleted ? s.Series : null;
        }
    }

    private async Task<bool> IsAttachedHomeserverAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Homeservers.AnyAsync(h => h.AttachedContainerName == name, cancellationToken);
    }

    /// <summary>
    /// The homeserver and its database keep their component as key, others their name; a Swarm task's
    /// container its service's name, so that a worker's history goes on across the tasks Swarm replaces.
    /// </summary>
    public static string SeriesKey(ContainerInfo c) =>
        c.Component is ContainerComponents.Homeserver or ContainerComponents.Database ? c.Component
        : c.Labels.TryGetValue("com.docker.swarm.service.name", out var service) ? service
        : c.Name;

    private async Task StreamAsync(SeriesInfo series, CancellationToken stop)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var sample in docker.StreamStatsAsync(series.ContainerName, stop))
                {
                    store.Record(series, sample);
                    delay = TimeSpan.FromSeconds(1);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogStreamBroken(logger, series.ContainerName, ex.Message);
            }

            // The stream ended: the container stopped or Docker went away. The rescan stops this loop
            // when the container is gone; otherwise try again, backing off up to 30 s.
            store.MarkGap(series.Key);
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            try
            {
                if (await docker.InspectAsync(series.ContainerName, stop) is not { IsRunning: true })
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is ContainerRuntimeUnavailableException or OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampler rescan failed")]
    private static partial void LogRescanFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stats stream of {Container} ended: {Reason}")]
    private static partial void LogStreamBroken(ILogger logger, string container, string reason);
}
