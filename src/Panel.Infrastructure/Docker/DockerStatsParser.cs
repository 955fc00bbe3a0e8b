using System.Globalization;
using System.Text.Json;

namespace Panel.Infrastructure.Docker;

/// <summary>
/// Reads one JSON document of the engine's stats stream with a <see cref="Utf8JsonReader"/>,
/// keeping only the figures of <see cref="StatsReading"/> and skipping the rest unread.
/// </summary>
internal static class DockerStatsParser
{
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
                    else if (reader.ValueTextEquals("total_active_file"u8))
                    {
                        reader.Read();
                        result = result with { TotalActiveFile = Number(ref reader) };
                    }
                    else if (reader.ValueTextEquals("active_file"u8))
                    {
                        reader.Read();
                        result = result with { ActiveFile = Number(ref reader) };
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
