using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Domain.Monitoring;

namespace Panel.Web.Features.Monitoring;

/// <summary>
/// Measures the homeserver's memory over a window from what the panel keeps: each raw sample (one a
/// second) while the window is within the last minutes kept raw, otherwise each minute's average.
/// Requests and syncs likewise: each reading of the counters while they are kept raw, otherwise the
/// minutes the window covers, in proportion to how much of each minute it covers.
/// </summary>
public sealed class MemoryWindows(MetricsStore store, HomeserverFiguresCollector figures)
{
    private const string Key = ContainerComponents.Homeserver;

    public async Task<MemoryWindow?> MeasureAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var minutes = await store.MinutesAsync(Key, MetricBucket.StartOf(from, MetricResolution.Minute), to, cancellationToken);
        var raw = store.Raw(Key);
        var inWindow = raw.Where(s => s.Time >= from && s.Time < to).Select(s => s.MemoryBytes).ToList();
        var minuteAverages = minutes.Where(b => b.Count > 0 && b.Start >= from && b.End <= to).Select(b => b.MemoryAvg).ToList();
        // Raw samples when they reach back to the window's start, or when no whole minute fits in the
        // window (the panel started watching during it): then they are what there is.
        var samples = raw.Count > 0 && raw[0].Time <= from + TimeSpan.FromSeconds(2) || minuteAverages.Count == 0 ? inWindow : minuteAverages;

        var (requests, syncs) = RawCovers(store.RawActivity(Key), from) is { } readings
            ? Sum(readings.Where(r => r.Time >= from && r.Time < to))
            : Prorated(minutes, from, to);
        var rooms = (await figures.GetAsync(refresh: false, cancellationToken)).Rooms;
        return MemoryWindow.Of(from, to, samples, requests, syncs, rooms);
    }

    /// <summary>The raw readings when they reach back to the window's start (a reading every 20 s or so).</summary>
    private static IReadOnlyList<ActivityReading>? RawCovers(IReadOnlyList<ActivityReading> readings, DateTimeOffset from) =>
        readings.Count > 0 && readings[0].Time <= from + ActivitySampler.Interval ? readings : null;

    private static (long?, long?) Sum(IEnumerable<ActivityReading> readings) =>
        readings.Aggregate(((long?)0, (long?)0), (t, r) => (t.Item1 + r.Requests, t.Item2 + r.Syncs));

    private static (long?, long?) Prorated(IReadOnlyList<MetricBucket> minutes, DateTimeOffset from, DateTimeOffset to)
    {
        long? requests = null, syncs = null;
        foreach (var b in minutes.Where(b => b.Requests is not null))
        {
            var covered = (Min(b.End, to) - Max(b.Start, from)) / MetricBucket.Length(MetricResolution.Minute);
            if (covered <= 0)
            {
                continue;
            }

            requests = (requests ?? 0) + (long)Math.Round(b.Requests!.Value * covered);
            syncs = (syncs ?? 0) + (long)Math.Round((b.Syncs ?? 0) * covered);
        }

        return (requests, syncs);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
