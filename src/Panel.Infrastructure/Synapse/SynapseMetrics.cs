using System.Globalization;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>
/// Reads the few counters the panel needs from Synapse's Prometheus text: requests received (all
/// servlets, and the sync servlet apart) and when the process started.
/// </summary>
public static class SynapseMetrics
{
    public const string Path = "_synapse/metrics";
    private const string Requests = "synapse_http_server_requests_received_total";
    private const string StartTime = "process_start_time_seconds";

    public static HomeserverActivity? Parse(string text)
    {
        double? started = null;
        double requests = 0, syncs = 0;
        var any = false;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith(StartTime + " ", StringComparison.Ordinal))
            {
                started = Value(line);
            }
            else if (line.StartsWith(Requests + "{", StringComparison.Ordinal))
            {
                any = true;
                var value = Value(line) ?? 0;
                requests += value;
                if (line.Contains("servlet=\"SyncRestServlet\"", StringComparison.Ordinal))
                {
                    syncs += value;
                }
            }
        }

        // Without the start time a reading cannot be told apart from one after a restart.
        return started is { } s && (any || text.Contains(Requests, StringComparison.Ordinal))
            ? new HomeserverActivity(DateTimeOffset.FromUnixTimeMilliseconds((long)(s * 1000)), (long)requests, (long)syncs)
            : null;
    }

    private static double? Value(ReadOnlySpan<char> line)
    {
        var space = line.LastIndexOf(' ');
        return space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
