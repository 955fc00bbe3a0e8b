namespace Panel.Infrastructure.Docker;

/// <summary>The figures of one stats reading that the panel uses, as the engine sends them.</summary>
internal sealed record StatsReading
{
    public DateTimeOffset Read { get; init; }

    public CpuReading Cpu { get; init; } = new();

    public CpuReading PreviousCpu { get; init; } = new();

    public ulong? MemoryUsage { get; init; }

    public ulong? MemoryLimit { get; init; }

    /// <summary>cgroup v1's <c>total_inactive_file</c>.</summary>
    public ulong? TotalInactiveFile { get; init; }

    /// <summary>cgroup v2's <c>inactive_file</c> (cgroup v1 has one too, for the cgroup alone).</summary>
    public ulong? InactiveFile { get; init; }

    /// <summary>cgroup v1's <c>total_active_file</c>.</summary>
    public ulong? TotalActiveFile { get; init; }

    /// <summary>cgroup v2's <c>active_file</c>.</summary>
    public ulong? ActiveFile { get; init; }

    public long NetworkRx { get; init; }

    public long NetworkTx { get; init; }

    public long BlockRead { get; init; }

    public long BlockWrite { get; init; }
}

internal sealed record CpuReading
{
    public ulong? TotalUsage { get; init; }

    public ulong? SystemUsage { get; init; }

    public uint? OnlineCpus { get; init; }

    public int PerCpuCount { get; init; }
}
