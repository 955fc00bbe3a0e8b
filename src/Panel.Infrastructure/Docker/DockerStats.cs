using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Panel.Domain.Containers;

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

    /// <summary>Usage without the page cache: cgroup v1 subtracts total_inactive_file, cgroup v2 inactive_file.</summary>
    public static long MemoryUsage(StatsReading s)
    {
        if (s.MemoryUsage is not { } usage)
        {
            return 0;
        }

        if (s.TotalInactiveFile is { } v1)
        {
            return v1 < usage ? (long)(usage - v1) : (long)usage;
        }

        return s.InactiveFile is { } v2 && v2 < usage ? (long)(usage - v2) : (long)usage;
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
                        yield return Parse(line);
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

    /// <summary>Parses one reading; figures it does not use are skipped without being read into objects.</summary>
    public static StatsReading Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        var result = new StatsReading();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("read"u8))
            {
                reader.Read();
                result = result with { Read = ReadTime(ref reader) };
            }
            else if (reader.ValueTextEquals("cpu_stats"u8))
            {
                reader.Read();
                result = result with { Cpu = ReadCpu(ref reader) };
            }
            else if (reader.ValueTextEquals("precpu_stats"u8))
            {
                reader.Read();
                result = result with { PreviousCpu = ReadCpu(ref reader) };
            }
            else if (reader.ValueTextEquals("memory_stats"u8))
            {
                reader.Read();
                result = ReadMemory(ref reader, result);
            }
            else if (reader.ValueTextEquals("networks"u8))
            {
                reader.Read();
                var (rx, tx) = ReadNetworks(ref reader);
                result = result with { NetworkRx = rx, NetworkTx = tx };
            }
            else if (reader.ValueTextEquals("blkio_stats"u8))
            {
                reader.Read();
                var (read, write) = ReadBlockIo(ref reader);
                result = result with { BlockRead = read, BlockWrite = write };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return result;
    }

    private static DateTimeOffset ReadTime(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return default;
        }

        // RFC 3339 with nanoseconds ("2026-11-29T12:00:00.123456789Z"): more digits than .NET keeps.
        var text = reader.GetString()!;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : DateTimeOffset.TryParse(TrimFraction(text), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time) ? time : default;
    }

    private static string TrimFraction(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return text;
        }

        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return text[..Math.Min(end, dot + 8)] + text[end..];
    }

    private static CpuReading ReadCpu(ref Utf8JsonReader reader)
    {
        var cpu = new CpuReading();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return cpu;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("cpu_usage"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("total_usage"u8))
                    {
                        reader.Read();
                        cpu = cpu with { TotalUsage = Number(ref reader) };
                    }
                    else if (reader.ValueTextEquals("percpu_usage"u8))
                    {
                        reader.Read();
                        cpu = cpu with { PerCpuCount = CountItems(ref reader) };
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("system_cpu_usage"u8))
            {
                reader.Read();
                cpu = cpu with { SystemUsage = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("online_cpus"u8))
            {
                reader.Read();
                cpu = cpu with { OnlineCpus = Number(ref reader) is { } n ? (uint)n : null };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return cpu;
    }

    private static StatsReading ReadMemory(ref Utf8JsonReader reader, StatsReading result)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return result;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                result = result with { MemoryUsage = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("limit"u8))
            {
                reader.Read();
                result = result with { MemoryLimit = Number(ref reader) };
            }
            else if (reader.ValueTextEquals("stats"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("total_inactive_file"u8))
                    {
                        reader.Read();
                        result = result with { TotalInactiveFile = Number(ref reader) };
                    }
                    else if (reader.ValueTextEquals("inactive_file"u8))
                    {
                        reader.Read();
                        result = result with { InactiveFile = Number(ref reader) };
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return result;
    }

    private static (long Rx, long Tx) ReadNetworks(ref Utf8JsonReader reader)
    {
        var (rx, tx) = (0L, 0L);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (rx, tx);
        }

        // { "eth0": { "rx_bytes": ..., "tx_bytes": ... }, ... }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("rx_bytes"u8))
                {
                    reader.Read();
                    rx += (long)(Number(ref reader) ?? 0);
                }
                else if (reader.ValueTextEquals("tx_bytes"u8))
                {
                    reader.Read();
                    tx += (long)(Number(ref reader) ?? 0);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return (rx, tx);
    }

    private static (long Read, long Write) ReadBlockIo(ref Utf8JsonReader reader)
    {
        var (read, write) = (0L, 0L);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (read, write);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("io_service_bytes_recursive"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            // [ { "major": 8, "minor": 0, "op": "Read", "value": 4096 }, ... ]
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                string? op = null;
                ulong value = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("op"u8))
                    {
                        reader.Read();
                        op = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else if (reader.ValueTextEquals("value"u8))
                    {
                        reader.Read();
                        value = Number(ref reader) ?? 0;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (string.Equals(op, "read", StringComparison.OrdinalIgnoreCase))
                {
                    read += (long)value;
                }
                else if (string.Equals(op, "write", StringComparison.OrdinalIgnoreCase))
                {
                    write += (long)value;
                }
            }
        }

        return (read, write);
    }

    private static ulong? Number(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var n) ? n : null;

    private static int CountItems(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }

        return count;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"A stats reading must be a JSON object, not {reader.TokenType}.");
        }
    }
}
