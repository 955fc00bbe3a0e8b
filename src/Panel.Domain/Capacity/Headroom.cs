namespace Panel.Domain.Capacity;

/// <summary>One part of the stack (Synapse, a bridge, the database, the panel): its 95th percentile over 7 days, and its limit.</summary>
public sealed record MemoryUse(string Component, long P95Bytes, long? LimitBytes);

/// <summary>A reading of something that only grows (bytes on disk) at a time.</summary>
public sealed record SizeReading(DateTimeOffset Time, long Bytes);

/// <summary>
/// How much room is left: memory (the 95th percentiles of the stack against the host's RAM), disk
/// (used, growth per day, days until full) and CPU (95th percentile of the load per core).
/// </summary>
public sealed record Headroom(
    long? HostMemoryBytes,
    IReadOnlyList<MemoryUse> Memory,
    long? DiskUsedBytes,
    long? DiskTotalBytes,
    double? DiskGrowthBytesPerDay,
    double? CpuLoadP95,
    int Cpus)
{
    public long MemoryUsedBytes => Memory.Sum(m => m.P95Bytes);

    /// <summary>The host's RAM less what the stack uses at its 95th percentile; null when the RAM is unknown.</summary>
    public long? MemoryFreeBytes => HostMemoryBytes is { } host ? host - MemoryUsedBytes : null;

    /// <summary>
    /// What Synapse can still grow into: up to its own limit, and never more than the host has free
    /// (with a tenth of the RAM kept for the system).
    /// </summary>
    public long? SynapseRoomBytes(string synapse)
    {
        var use = Memory.FirstOrDefault(m => m.Component == synapse);
        if (use is null || HostMemoryBytes is not { } host)
        {
            return null;
        }

        var hostRoom = host - host / 10 - MemoryUsedBytes;
        var limitRoom = use.LimitBytes is { } limit ? limit - use.P95Bytes : long.MaxValue;
        return Math.Max(0, Math.Min(hostRoom, limitRoom));
    }

    /// <summary>Days until the disk is full at the growth of the last 30 days; null when it does not grow.</summary>
    public double? DaysUntilFull => DiskGrowthBytesPerDay is > 0 and var g && DiskTotalBytes is { } total && DiskUsedBytes is { } used
        ? Math.Max(0, (total - used) / g)
        : null;

    /// <summary>Growth per day: the slope of a least-squares line through the readings (null with fewer than two a day apart).</summary>
    public static double? GrowthPerDay(IReadOnlyList<SizeReading> readings)
    {
        if (readings.Count < 2 || readings.Max(r => r.Time) - readings.Min(r => r.Time) < TimeSpan.FromHours(12))
        {
            return null;
        }

        var t0 = readings.Min(r => r.Time);
        var xs = readings.Select(r => (r.Time - t0).TotalDays).ToList();
        var ys = readings.Select(r => (double)r.Bytes).ToList();
        var mx = xs.Average();
        var my = ys.Average();
        var sxx = xs.Sum(x => (x - mx) * (x - mx));
        return sxx == 0 ? null : xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / sxx;
    }

    /// <summary>The nearest-rank 95th percentile (0 for none).</summary>
    public static long P95(IReadOnlyCollection<long> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(0.95 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
