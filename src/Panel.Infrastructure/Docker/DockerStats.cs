using Docker.DotNet.Models;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

/// <summary>
/// Turns one reading of the engine's stats stream into the figures the docker CLI shows
/// (the same formulas as docker/cli's <c>cli/command/container/stats_helpers.go</c>).
/// </summary>
internal static class DockerStats
{
    public static ContainerStatsSample ToSample(ContainerStatsResponse s)
    {
        var (rx, tx) = (0L, 0L);
        foreach (var network in s.Networks?.Values ?? [])
        {
            rx += (long)network.RxBytes;
            tx += (long)network.TxBytes;
        }

        var (read, write) = (0L, 0L);
        foreach (var entry in s.BlkioStats?.IoServiceBytesRecursive ?? [])
        {
            if (string.Equals(entry.Op, "read", StringComparison.OrdinalIgnoreCase))
            {
                read += (long)entry.Value;
            }
            else if (string.Equals(entry.Op, "write", StringComparison.OrdinalIgnoreCase))
            {
                write += (long)entry.Value;
            }
        }

        return new ContainerStatsSample(
            new DateTimeOffset(DateTime.SpecifyKind(s.Read, DateTimeKind.Utc)),
            CpuPercent(s.CPUStats, s.PreCPUStats),
            MemoryUsage(s.MemoryStats),
            (long)(s.MemoryStats?.Limit ?? 0),
            rx, tx, read, write);
    }

    /// <summary>CPU delta ÷ system delta × online CPUs × 100.</summary>
    public static double CpuPercent(CPUStats? current, CPUStats? previous)
    {
        if (current?.CPUUsage is null || previous?.CPUUsage is null)
        {
            return 0;
        }

        var cpuDelta = (double)current.CPUUsage.TotalUsage - previous.CPUUsage.TotalUsage;
        var systemDelta = (double)(current.SystemUsage ?? 0) - (previous.SystemUsage ?? 0);
        var online = current.OnlineCPUs is > 0 ? current.OnlineCPUs.Value : (uint)(current.CPUUsage.PercpuUsage?.Count ?? 0);
        return systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;
    }

    /// <summary>Usage without the page cache: cgroup v1 subtracts total_inactive_file, cgroup v2 inactive_file.</summary>
    public static long MemoryUsage(MemoryStats? memory)
    {
        if (memory?.Usage is not { } usage)
        {
            return 0;
        }

        var stats = memory.Stats ?? new Dictionary<string, ulong>();
        if (stats.TryGetValue("total_inactive_file", out var v1) && v1 < usage)
        {
            return (long)(usage - v1);
        }

        if (!stats.ContainsKey("total_inactive_file") && stats.TryGetValue("inactive_file", out var v2) && v2 < usage)
        {
            return (long)(usage - v2);
        }

        return (long)usage;
    }
}
