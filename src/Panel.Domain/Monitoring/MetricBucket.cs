using Panel.Domain.Containers;

namespace Panel.Domain.Monitoring;

public enum MetricResolution
{
    Minute = 0,
    Hour = 1,
    Day = 2,
}

/// <summary>
/// Min, average and max of a container's samples over one minute, hour or day, plus the bytes it
/// moved (network, disk) in that time. Buckets of a finer resolution merge into coarser ones, so a
/// year of history needs a few thousand rows per container, not millions.
/// </summary>
public sealed class MetricBucket
{
    private MetricBucket() { }

    public long Id { get; private set; }

    /// <summary>Which container: its component (homeserver, database) or its name.</summary>
    public string SeriesKey { get; private set; } = "";

    public MetricResolution Resolution { get; private set; }

    public DateTimeOffset Start { get; private set; }

    public int Count { get; private set; }

    public double CpuMin { get; private set; }

    public double CpuAvg { get; private set; }

    public double CpuMax { get; private set; }

    public long MemoryMin { get; private set; }

    public long MemoryAvg { get; private set; }

    public long MemoryMax { get; private set; }

    public long MemoryLimit { get; private set; }

    public long NetworkRxBytes { get; private set; }

    public long NetworkTxBytes { get; private set; }

    public long BlockReadBytes { get; private set; }

    public long BlockWriteBytes { get; private set; }

    /// <summary>Requests the homeserver received in this bucket (its own counters); null where they are not counted.</summary>
    public long? Requests { get; private set; }

    /// <summary>Of those, /sync requests.</summary>
    public long? Syncs { get; private set; }

    public static MetricBucket Open(string seriesKey, MetricResolution resolution, DateTimeOffset time) => new()
    {
        SeriesKey = seriesKey,
        Resolution = resolution,
        Start = StartOf(time, resolution),
    };

    public DateTimeOffset End => Start + Length(Resolution);

    /// <summary>Something was recorded: a sample, or the homeserver's requests.</summary>
    public bool HasData => Count > 0 || Requests is not null;

    /// <summary>The start of the bucket that holds <paramref name="time"/> (UTC, aligned to the minute, hour or day).</summary>
    public static DateTimeOffset StartOf(DateTimeOffset time, MetricResolution resolution)
    {
        var t = time.ToUniversalTime();
        return resolution switch
        {
            MetricResolution.Minute => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero),
            MetricResolution.Hour => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero),
            _ => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero),
        };
    }

    public static TimeSpan Length(MetricResolution resolution) => resolution switch
    {
        MetricResolution.Minute => TimeSpan.FromMinutes(1),
        MetricResolution.Hour => TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(1),
    };

    /// <summary>Adds one sample, with the bytes moved since the previous sample of the same stream.</summary>
    public void Add(ContainerStatsSample sample, TrafficDelta delta)
    {
        if (Count == 0)
        {
            CpuMin = CpuMax = CpuAvg = sample.CpuPercent;
            MemoryMin = MemoryMax = MemoryAvg = sample.MemoryBytes;
        }
        else
        {
            CpuMin = Math.Min(CpuMin, sample.CpuPercent);
            CpuMax = Math.Max(CpuMax, sample.CpuPercent);
            CpuAvg += (sample.CpuPercent - CpuAvg) / (Count + 1);
            MemoryMin = Math.Min(MemoryMin, sample.MemoryBytes);
            MemoryMax = Math.Max(MemoryMax, sample.MemoryBytes);
            MemoryAvg += (long)Math.Round((sample.MemoryBytes - MemoryAvg) / (double)(Count + 1));
        }

        Count++;
        MemoryLimit = sample.MemoryLimitBytes;
        NetworkRxBytes += delta.NetworkRx;
        NetworkTxBytes += delta.NetworkTx;
        BlockReadBytes += delta.BlockRead;
        BlockWriteBytes += delta.BlockWrite;
    }

    /// <summary>Adds requests counted since the last reading of the homeserver's counters.</summary>
    public void AddActivity(long requests, long syncs)
    {
        Requests = (Requests ?? 0) + requests;
        Syncs = (Syncs ?? 0) + syncs;
    }

    /// <summary>Folds a finer bucket into this coarser one: averages weighted by sample counts.</summary>
    public void Merge(MetricBucket finer)
    {
        if (finer.Requests is { } requests)
        {
            AddActivity(requests, finer.Syncs ?? 0);
        }

        if (finer.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            CpuMin = finer.CpuMin;
            CpuMax = finer.CpuMax;
            MemoryMin = finer.MemoryMin;
            MemoryMax = finer.MemoryMax;
        }
        else
        {
            CpuMin = Math.Min(CpuMin, finer.CpuMin);
            CpuMax = Math.Max(CpuMax, finer.CpuMax);
            MemoryMin = Math.Min(MemoryMin, finer.MemoryMin);
            MemoryMax = Math.Max(MemoryMax, finer.MemoryMax);
        }

        var total = Count + finer.Count;
        CpuAvg = (CpuAvg * Count + finer.CpuAvg * finer.Count) / total;
        MemoryAvg = (long)Math.Round(((double)MemoryAvg * Count + (double)finer.MemoryAvg * finer.Count) / total);
        Count = total;
        MemoryLimit = finer.MemoryLimit;
        NetworkRxBytes += finer.NetworkRxBytes;
        NetworkTxBytes += finer.NetworkTxBytes;
        BlockReadBytes += finer.BlockReadBytes;
        BlockWriteBytes += finer.BlockWriteBytes;
    }
}

/// <summary>Bytes moved between two samples; counters that went back (a container restart) restart from zero.</summary>
public readonly record struct TrafficDelta(long NetworkRx, long NetworkTx, long BlockRead, long BlockWrite)
{
    public static TrafficDelta Between(ContainerStatsSample? previous, ContainerStatsSample current) => previous is null
        ? default
        : new TrafficDelta(
            Delta(previous.NetworkRxBytes, current.NetworkRxBytes),
            Delta(previous.NetworkTxBytes, current.NetworkTxBytes),
            Delta(previous.BlockReadBytes, current.BlockReadBytes),
            Delta(previous.BlockWriteBytes, current.BlockWriteBytes));

    private static long Delta(long before, long now) => now >= before ? now - before : now;
}

/// <summary>How long each resolution is kept, and which one serves a chart range.</summary>
public static class MetricRetention
{
    public static TimeSpan For(MetricResolution resolution) => resolution switch
    {
        MetricResolution.Minute => TimeSpan.FromHours(26),
        MetricResolution.Hour => TimeSpan.FromDays(32),
        _ => TimeSpan.FromDays(400),
    };

    /// <summary>The resolution and span of a chart range ("1h", "24h", "30d", "365d").</summary>
    public static (MetricResolution Resolution, TimeSpan Span)? ForRange(string? range) => range switch
    {
        "1h" => (MetricResolution.Minute, TimeSpan.FromHours(1)),
        "24h" => (MetricResolution.Minute, TimeSpan.FromHours(24)),
        "30d" => (MetricResolution.Hour, TimeSpan.FromDays(30)),
        "365d" => (MetricResolution.Day, TimeSpan.FromDays(365)),
        _ => null,
    };

    public static IReadOnlyList<string> Ranges { get; } = ["1h", "24h", "30d", "365d"];
}
