using Microsoft.EntityFrameworkCore;
using Panel.Domain.Containers;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Persistence;

namespace Panel.Web.Features.Monitoring;

public sealed record SeriesInfo(string Key, string ContainerName, string? Component, bool Managed);

/// <summary>Requests the homeserver counted between the reading before and <see cref="Time"/>.</summary>
public sealed record ActivityReading(DateTimeOffset Time, long Requests, long Syncs);

/// <summary>The requests a process served in the last minutes (<see cref="MetricsStore.RawWindow"/>), and its share of all the homeserver's processes served.</summary>
public sealed record RequestShare(long Requests, double Percent);

public sealed record LatestSample(SeriesInfo Series, ContainerStatsSample Sample, bool Live);

/// <summary>One point of a chart; null values are gaps (no samples in that bucket).</summary>
public sealed record MetricPoint(
    DateTimeOffset Time,
    double? CpuAvg,
    double? CpuMax,
    long? MemoryAvg,
    long? MemoryMax,
    long? MemoryLimit,
    double? NetworkRxPerSecond,
    double? NetworkTxPerSecond);

public sealed record MetricSeries(string Key, string Range, string Resolution, IReadOnlyList<MetricPoint> Points);

/// <summary>
/// Where samples go: the last minutes of raw samples stay in memory (for the live view and alerts);
/// every closed minute is persisted, and folded into the hour and day buckets, so that history
/// survives a restart while storage stays bounded.
/// </summary>
public sealed class MetricsStore(IDbContextFactory<PanelDbContext> contexts, TimeProvider clock)
{
    public static readonly TimeSpan RawWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan RecentWindow = TimeSpan.FromHours(26);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SeriesState> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<ActivityReading>> _served = new(StringComparer.Ordinal);

    /// <summary>Raised after a sample is recorded (for live charts). Handlers must be quick.</summary>
    public event Action<string>? Sampled;

    public void Record(SeriesInfo series, ContainerStatsSample sample)
    {
        lock (_lock)
        {
            var state = StateOf(series);
            state.Info = series;
            var delta = TrafficDelta.Between(state.Previous, sample);
            state.Previous = sample;
            state.Raw.Enqueue(sample);
            while (state.Raw.Count > 0 && state.Raw.Peek().Time < sample.Time - RawWindow)
            {
                state.Raw.Dequeue();
            }

            OpenMinute(state, sample.Time).Add(sample, delta);
        }

        Sampled?.Invoke(series.Key);
    }

    /// <summary>Requests the homeserver counted since the last reading, into the minute of <paramref name="time"/>.</summary>
    public void RecordActivity(SeriesInfo series, DateTimeOffset time, long requests, long syncs)
    {
        lock (_lock)
        {
            var state = StateOf(series);
            OpenMinute(state, time).AddActivity(requests, syncs);
            state.RawActivity.Enqueue(new ActivityReading(time, requests, syncs));
            while (state.RawActivity.Count > 0 && state.RawActivity.Peek().Time < time - RawWindow)
            {
                state.RawActivity.Dequeue();
            }
        }
    }

    /// <summary>The readings of the last minutes (what each counted since the one before), oldest first.</summary>
    public IReadOnlyList<ActivityReading> RawActivity(string key)
    {
        lock (_lock)
        {
            return _series.TryGetValue(key, out var s) ? s.RawActivity.ToList() : [];
        }
    }

    /// <summary>
    /// Requests of the homeserver's users that one of its processes served since the last reading (from
    /// its access log: the panel's own calls are not in it), for <see cref="RequestShares"/>.
    /// </summary>
    public void RecordServed(string key, DateTimeOffset time, long requests)
    {
        lock (_lock)
        {
            if (!_served.TryGetValue(key, out var readings))
            {
                readings = new Queue<ActivityReading>();
                _served[key] = readings;
            }

            readings.Enqueue(new ActivityReading(time, requests, 0));
            while (readings.Count > 0 && readings.Peek().Time < time - RawWindow)
            {
                readings.Dequeue();
            }
        }
    }

    /// <summary>
    /// Each process's requests over the last minutes and its share of them all, by series key (the main
    /// process is <see cref="ContainerComponents.Homeserver"/>, a worker its container's or service's name).
    /// Empty until some process has served a request.
    /// </summary>
    public IReadOnlyDictionary<string, RequestShare> RequestShares()
    {
        var since = clock.GetUtcNow() - RawWindow;
        Dictionary<string, long> counted;
        lock (_lock)
        {
            counted = _served.ToDictionary(s => s.Key, s => s.Value.Where(r => r.Time >= since).Sum(r => r.Requests), StringComparer.Ordinal);
        }

        var total = counted.Values.Sum();
        return total == 0
            ? new Dictionary<string, RequestShare>(StringComparer.Ordinal)
            : counted.ToDictionary(c => c.Key, c => new RequestShare(c.Value, Math.Round(100.0 * c.Value / total, 1)), StringComparer.Ordinal);
    }

    private SeriesState StateOf(SeriesInfo series)
    {
        if (!_series.TryGetValue(series.Key, out var state))
        {
            state = new SeriesState(series);
            _series[series.Key] = state;
        }

        return state;
    }

    /// <summary>The open minute that holds <paramref name="time"/>; the one before it is closed for the next flush.</summary>
    private static MetricBucket OpenMinute(SeriesState state, DateTimeOffset time)
    {
        var start = MetricBucket.StartOf(time, MetricResolution.Minute);
        if (state.Open is { } open && start < open.Start)
        {
            // A reading from a minute already closed (the readers' clocks differ by a moment): it
            // counts in the open minute rather than opening a second bucket for a closed one.
            return open;
        }

        if (state.Open is null || state.Open.Start != start)
        {
            if (state.Open is { HasData: true })
            {
                state.Closed.Add(state.Open);
            }

            state.Open = MetricBucket.Open(state.Info.Key, MetricResolution.Minute, time);
        }

        return state.Open;
    }

    /// <summary>The stream of a container stopped (it stopped, or Docker went away): the next sample starts fresh.</summary>
    public void MarkGap(string key)
    {
        lock (_lock)
        {
            if (_series.TryGetValue(key, out var state))
            {
                state.Previous = null;
            }
        }
    }

    public IReadOnlyList<LatestSample> Latest()
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            return _series.Values.Where(s => s.Previous is not null || s.Raw.Count > 0)
                .Select(s =>
                {
                    var sample = s.Raw.Count > 0 ? s.Raw.Last() : s.Previous!;
                    return new LatestSample(s.Info, sample, now - sample.Time < TimeSpan.FromSeconds(15));
                })
                .OrderBy(s => s.Series.Key, StringComparer.Ordinal)
                .ToList();
        }
    }

    public IReadOnlyList<ContainerStatsSample> Raw(string key)
    {
        lock (_lock)
        {
            return _series.TryGetValue(key, out var s) ? s.Raw.ToList() : [];
        }
    }

    /// <summary>The minute buckets of the last <paramref name="window"/>, closed and open, newest last.</summary>
    public IReadOnlyList<MetricBucket> RecentMinutes(string key, TimeSpan window)
    {
        var since = clock.GetUtcNow() - window;
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var s))
            {
                return [];
            }

            var recent = s.Recent.Concat(s.Closed).Where(b => b.Start >= since).ToList();
            if (s.Open is { HasData: true } open)
            {
                recent.Add(open);
            }

            return recent;
        }
    }

    /// <summary>Each series' hourly highest memory since <paramref name="since"/>, with its latest limit: what the headroom's 95th percentiles are taken over.</summary>
    public async Task<IReadOnlyDictionary<string, (List<long> HourlyMax, long Limit)>> HourlyMemoryAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var hours = await db.MetricBuckets.AsNoTracking()
            .Where(b => b.Resolution == MetricResolution.Hour && b.Start >= since && b.Count > 0)
            .OrderBy(b => b.Start)
            .Select(b => new { b.SeriesKey, b.MemoryMax, b.MemoryLimit })
            .ToListAsync(cancellationToken);
        return hours.GroupBy(h => h.SeriesKey, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (g.Select(h => h.MemoryMax).ToList(), g.Last().MemoryLimit), StringComparer.Ordinal);
    }

    /// <summary>A series' hourly CPU averages since <paramref name="since"/> (hours with samples only), in percent of one core.</summary>
    public async Task<IReadOnlyList<double>> HourlyCpuAsync(string key, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.MetricBuckets.AsNoTracking()
            .Where(b => b.SeriesKey == key && b.Resolution == MetricResolution.Hour && b.Start >= since && b.Count > 0)
            .Select(b => b.CpuAvg)
            .ToListAsync(cancellationToken);
    }

    /// <summary>The minute buckets that start in [<paramref name="from"/>, <paramref name="to"/>), stored or still in memory, oldest first.</summary>
    public async Task<IReadOnlyList<MetricBucket>> MinutesAsync(string key, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        List<MetricBucket> stored;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            stored = await db.MetricBuckets.AsNoTracking()
                .Where(b => b.SeriesKey == key && b.Resolution == MetricResolution.Minute && b.Start >= from && b.Start < to)
                .ToListAsync(cancellationToken);
        }

        var byStart = stored.ToDictionary(b => b.Start);
        foreach (var b in RecentMinutes(key, clock.GetUtcNow() - from))
        {
            if (b.Start >= from && b.Start < to)
            {
                byStart.TryAdd(b.Start, b);
            }
        }

        return [.. byStart.Values.OrderBy(b => b.Start)];
    }

    /// <summary>Persists closed minutes and folds them into their hour and day buckets.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<MetricBucket> closed;
        lock (_lock)
        {
            foreach (var s in _series.Values)
            {
                if (s.Open is { HasData: true } open && open.End <= now)
                {
                    s.Closed.Add(open);
                    s.Open = null;
                }
            }

            closed = _series.Values.SelectMany(s => s.Closed).ToList();
        }

        if (closed.Count == 0)
        {
            return;
        }

        await PersistAsync(closed, cancellationToken);
        lock (_lock)
        {
            foreach (var s in _series.Values)
            {
                s.Recent.AddRange(s.Closed.Where(closed.Contains));
                s.Closed.RemoveAll(closed.Contains);
                s.Recent.RemoveAll(b => b.Start < now - RecentWindow);
            }
        }
    }

    /// <summary>Writes minute buckets and merges them into hour and day buckets (also used to import history in tests).</summary>
    public async Task PersistAsync(IReadOnlyList<MetricBucket> minutes, CancellationToken cancellationToken)
    {
        if (minutes.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // One query for every hour and day bucket these minutes fall into, however many there are.
        var keys = minutes.Select(m => m.SeriesKey).Distinct().ToList();
        var first = MetricBucket.StartOf(minutes.Min(m => m.Start), MetricResolution.Day);
        var last = minutes.Max(m => m.Start);
        var coarse = (await db.MetricBuckets
                .Where(b => keys.Contains(b.SeriesKey) && b.Resolution != MetricResolution.Minute && b.Start >= first && b.Start <= last)
                .ToListAsync(cancellationToken))
            .ToDictionary(b => (b.SeriesKey, b.Resolution, b.Start));
        foreach (var minute in minutes)
        {
            db.MetricBuckets.Add(minute);
            foreach (var resolution in new[] { MetricResolution.Hour, MetricResolution.Day })
            {
                var start = MetricBucket.StartOf(minute.Start, resolution);
                if (!coarse.TryGetValue((minute.SeriesKey, resolution, start), out var bucket))
                {
                    bucket = MetricBucket.Open(minute.SeriesKey, resolution, start);
                    db.MetricBuckets.Add(bucket);
                    coarse[(minute.SeriesKey, resolution, start)] = bucket;
                }

                bucket.Merge(minute);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Deletes what is older than each resolution keeps; returns the rows deleted.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = 0;
        foreach (var resolution in Enum.GetValues<MetricResolution>())
        {
            var cutoff = now - MetricRetention.For(resolution);
            deleted += await db.MetricBuckets.Where(b => b.Resolution == resolution && b.Start < cutoff).ExecuteDeleteAsync(cancellationToken);
        }

        deleted += await db.TimelineEvents.Where(e => e.Time < now - TimeSpan.FromDays(90)).ExecuteDeleteAsync(cancellationToken);
        return deleted;
    }

    /// <summary>A chart series for a range: one point per bucket of the range's resolution, gaps as nulls.</summary>
    public async Task<MetricSeries> QueryAsync(string key, string range, CancellationToken cancellationToken)
    {
        var (resolution, span) = MetricRetention.ForRange(range) ?? throw new Domain.Common.DomainException($"range must be one of {string.Join(", ", MetricRetention.Ranges)}.");
        var now = clock.GetUtcNow();
        var from = MetricBucket.StartOf(now - span, resolution);
        List<MetricBucket> stored;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            stored = await db.MetricBuckets.AsNoTracking()
                .Where(b => b.SeriesKey == key && b.Resolution == resolution && b.Start >= from)
                .OrderBy(b => b.Start)
                .ToListAsync(cancellationToken);
        }

        var byStart = stored.ToDictionary(b => b.Start);
        if (resolution == MetricResolution.Minute)
        {
            // The minutes not yet written are in memory.
            foreach (var b in RecentMinutes(key, span))
            {
                byStart.TryAdd(b.Start, b);
            }
        }

        var points = new List<MetricPoint>();
        var length = MetricBucket.Length(resolution);
        for (var t = from; t <= now; t += length)
        {
            if (byStart.TryGetValue(t, out var b) && b.Count > 0)
            {
                var seconds = length.TotalSeconds;
                points.Add(new MetricPoint(t, b.CpuAvg, b.CpuMax, b.MemoryAvg, b.MemoryMax, b.MemoryLimit, b.NetworkRxBytes / seconds, b.NetworkTxBytes / seconds));
            }
            else
            {
                points.Add(new MetricPoint(t, null, null, null, null, null, null, null));
            }
        }

        return new MetricSeries(key, range, resolution.ToString().ToLowerInvariant(), points);
    }

    public IReadOnlyList<SeriesInfo> KnownSeries()
    {
        lock (_lock)
        {
            return _series.Values.Select(s => s.Info).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        }
    }

    private sealed class SeriesState(SeriesInfo info)
    {
        public SeriesInfo Info { get; set; } = info;

        public ContainerStatsSample? Previous { get; set; }

        public Queue<ContainerStatsSample> Raw { get; } = new();

        public Queue<ActivityReading> RawActivity { get; } = new();

        public MetricBucket? Open { get; set; }

        /// <summary>Closed minutes not yet persisted.</summary>
        public List<MetricBucket> Closed { get; } = [];

        /// <summary>Persisted minutes of the last day, kept for alerts and the live chart.</summary>
        public List<MetricBucket> Recent { get; } = [];
    }
}
