namespace Panel.Infrastructure.Synapse;

/// <summary>
/// Counts the requests in Synapse's access log, for the processes the panel cannot scrape: a worker's
/// metrics listener is reachable only on the homeserver's network (and, as a Swarm service, on an
/// overlay), while its log is read through the engine wherever its task runs. A line reads
/// <c>… synapse.access.http.8083 … Processed request: 0.004sec/… 200 "GET /_matrix/client/v3/sync?… HTTP/1.1" "Element" …</c>.
/// The panel's own calls (its user agent) and health checks are not counted: they are not anyone's use of the server.
/// </summary>
public static class SynapseAccessLog
{
    private const string Processed = " Processed request: ";
    private const string PanelAgent = "\"" + SynapseExtensions.UserAgent + "\"";

    public static (long Requests, long Syncs) Count(IEnumerable<string> lines)
    {
        long requests = 0, syncs = 0;
        foreach (var line in lines)
        {
            var at = line.IndexOf(Processed, StringComparison.Ordinal);
            if (at < 0 || PathOf(line.AsSpan(at)) is not { IsEmpty: false } path || path.StartsWith("/health") || path.StartsWith("/_synapse/metrics")
                || line.Contains(PanelAgent, StringComparison.Ordinal))
            {
                continue;
            }

            requests++;
            var query = path.IndexOf('?');
            if ((query < 0 ? path : path[..query]).EndsWith("/sync"))
            {
                syncs++;
            }
        }

        return (requests, syncs);
    }

    /// <summary>The path of the quoted request line ("GET /path HTTP/1.1"), or empty.</summary>
    private static ReadOnlySpan<char> PathOf(ReadOnlySpan<char> rest)
    {
        var quote = rest.IndexOf('"');
        if (quote < 0)
        {
            return [];
        }

        var request = rest[(quote + 1)..];
        var space = request.IndexOf(' ');
        if (space < 0)
        {
            return [];
        }

        var path = request[(space + 1)..];
        var end = path.IndexOf(' ');
        return end < 0 ? [] : path[..end];
    }
}
