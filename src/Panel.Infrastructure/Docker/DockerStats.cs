using System.Buffers;
using System.Runtime.CompilerServices;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

/// <summary>
/// Turns one reading of the engine's stats stream into the figures the docker CLI shows (the same
/// formulas as docker/cli's <c>cli/command/container/stats_helpers.go</c>). Readings are parsed
/// straight from the stream's JSON, keeping only the figures used: the stream sends one a second
/// per container, and building the engine client's full response model for each cost the panel
/// more CPU than the docker CLI spends on the same streams (bench, P2).
/// </summary>
internal static class DockerStats
{
    public static ContainerStatsSample ToSample(StatsReading s) => new(
        s.Read,
        CpuPercent(s.Cpu, s.PreviousCpu),
        MemoryUsage(s),
        (long)(s.MemoryLimit ?? 0),
        s.NetworkRx, s.NetworkTx, s.BlockRead, s.BlockWrite);

    /// <summary>A stopped container's stream sends zeroed readings: those are gaps, not samples.</summary>
    public static bool IsGap(StatsReading s) => s.Read.Year < 2000 || s.MemoryUsage is null;

    /// <summary>CPU delta ÷ system delta × online CPUs × 100.</summary>
    public static double CpuPercent(CpuReading current, CpuReading previous)
    {
        if (current.TotalUsage is not { } total || previous.TotalUsage is not { } previousTotal)
        {
            return 0;
        }

        var cpuDelta = (double)total - previousTotal;
        var systemDelta = (double)(current.SystemUsage ?? 0) - (previous.SystemUsage ?? 0);
        var online = current.OnlineCpus is > 0 ? current.OnlineCpus.Value : (uint)current.PerCpuCount;
        return systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;
    }

    /// <summary>
    /// Usage without the page cache, active or inactive (cgroup v1's total_*_file, v2's *_file).
    /// <c>docker stats</c> subtracts only the inactive part; the panel also leaves out the active
    /// part, because the kernel gives it back under pressure and it is not what the process holds:
    /// on Synapse with SQLite it moved by 8 MiB from one restart to the next, where the process's
    /// own memory moved by 1 (ADR-010). Shared memory (PostgreSQL's buffers) stays counted.
    /// </summary>
    public static long MemoryUsage(StatsReading s)
    {
        if (s.MemoryUsage is not { } usage)
        {
            return 0;
        }

        var cache = s.TotalInactiveFile is { } v1 ? v1 + (s.TotalActiveFile ?? 0) : (s.InactiveFile ?? 0) + (s.ActiveFile ?? 0);
        return cache < usage ? (long)(usage - cache) : (long)usage;
    }

    /// <summary>The readings of a stats stream (one JSON document per line) as they arrive.</summary>
    public static async IAsyncEnumerable<StatsReading> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // A reading longer than the buffer (many CPUs): grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                // Never a zero-byte read: the engine client's chunked stream throws on those.
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    yield break;
                }

                filled += read;
                var start = 0;
                int newline;
                while ((newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n')) >= 0)
                {
                    var line = buffer.AsSpan(start, newline);
                    start += newline + 1;
                    if (!line.Trim((byte)'\r').IsEmpty)
                    {
                        yield return DockerStatsParser.Parse(line);
                    }
                }

                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
