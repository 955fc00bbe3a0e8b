using System.Globalization;
using System.Text.Json;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>Synapse's federation destinations admin API.</summary>
internal sealed partial class SynapseAdminClient
{
    public async Task<IReadOnlyList<Destination>> ListDestinationsAsync(CancellationToken cancellationToken)
    {
        var all = new List<Destination>();
        for (var from = 0; ; from += 500)
        {
            var page = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/federation/destinations?from={from.ToString(CultureInfo.InvariantCulture)}&limit=500&order_by=failure_ts&dir=b", null, cancellationToken);
            var rows = page.GetProperty("destinations").EnumerateArray().Select(d => new Destination(
                d.GetProperty("destination").GetString()!,
                Time(d, "failure_ts"),
                d.TryGetProperty("retry_last_ts", out var last) && last.ValueKind == JsonValueKind.Number && last.GetInt64() > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(last.GetInt64()) : null,
                TimeSpan.FromMilliseconds(d.TryGetProperty("retry_interval", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt64() : 0))).ToList();
            all.AddRange(rows);
            if (rows.Count < 500 || all.Count >= Int(page, "total"))
            {
                return all;
            }
        }
    }

    public async Task<int> CountDestinationRoomsAsync(string destination, CancellationToken cancellationToken) =>
        Int(await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/federation/destinations/{Uri.EscapeDataString(destination)}/rooms?limit=1", null, cancellationToken), "total");

    public async Task<bool> RetryDestinationAsync(string destination, CancellationToken cancellationToken)
    {
        try
        {
            (await SendRawAsync(HttpMethod.Post, $"_synapse/admin/v1/federation/destinations/{Uri.EscapeDataString(destination)}/reset_connection", new { }, cancellationToken)).Dispose();
            return true;
        }
        catch (HomeserverException e) when (e.StatusCode == 400)
        {
            // "The retry timing does not need to be reset": it was not backing off.
            return false;
        }
    }
}
