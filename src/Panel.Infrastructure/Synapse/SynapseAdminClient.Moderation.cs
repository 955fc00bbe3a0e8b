using System.Globalization;
using System.Text.Json;
using Panel.Domain.Homeserver;
using Panel.Domain.Moderation;

namespace Panel.Infrastructure.Synapse;

/// <summary>Synapse's admin API for reports, redactions, blocks, quarantine and per-user limits.</summary>
internal sealed partial class SynapseAdminClient
{
    public async Task<EventReportPage> ListEventReportsAsync(int from, int limit, CancellationToken cancellationToken)
    {
        var page = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/event_reports?dir=b&from={Math.Max(0, from)}&limit={Math.Clamp(limit, 1, 100)}", null, cancellationToken);
        return new EventReportPage(page.GetProperty("event_reports").EnumerateArray().Select(ToReport).ToList(), Int(page, "total"));
    }

    public async Task<EventReportDetails?> GetEventReportAsync(long id, CancellationToken cancellationToken)
    {
        JsonElement r;
        try
        {
            r = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/event_reports/" + id.ToString(CultureInfo.InvariantCulture), null, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            return null;
        }

        // Synapse keeps the report when the event is purged (event_json is then missing), and a
        // redacted event keeps its shell with empty content.
        if (!r.TryGetProperty("event_json", out var json) || json.ValueKind != JsonValueKind.Object)
        {
            return new EventReportDetails(ToReport(r), false, false, null, null, null);
        }

        var content = json.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var redacted = json.TryGetProperty("unsigned", out var u) && u.ValueKind == JsonValueKind.Object && u.TryGetProperty("redacted_because", out _)
            || content.ValueKind == JsonValueKind.Object && !content.EnumerateObject().Any();
        var body = content.ValueKind == JsonValueKind.Object ? Str(content, "body") : null;
        return new EventReportDetails(ToReport(r), true, redacted, Str(json, "type"), redacted ? null : body, Time(json, "origin_server_ts"));
    }

    public async Task DeleteEventReportAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            (await SendRawAsync(HttpMethod.Delete, "_synapse/admin/v1/event_reports/" + id.ToString(CultureInfo.InvariantCulture), null, cancellationToken)).Dispose();
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            // Already dismissed: dismissed is dismissed.
        }
    }

    public Task RedactEventAsync(string roomId, string eventId, string asUserId, string? reason, CancellationToken cancellationToken) =>
        AsUserAsync(asUserId, async token =>
            (await SendRawAsync(HttpMethod.Put,
                $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/redact/{Uri.EscapeDataString(eventId)}/panel-{Guid.NewGuid():N}",
                reason is null ? new { } : new { reason }, cancellationToken, token)).Dispose(),
            cancellationToken);

    public async Task BlockRoomAsync(string roomId, bool block, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Put, $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}/block", new { block }, cancellationToken)).Dispose();

    public async Task<string> StartRedactUserEventsAsync(string userId, string? reason, int limit, CancellationToken cancellationToken)
    {
        // An empty room list means every room the user is in.
        var result = await SendAsync<JsonElement>(HttpMethod.Post, $"_synapse/admin/v1/user/{Uri.EscapeDataString(userId)}/redact",
            new { rooms = Array.Empty<string>(), reason, limit }, cancellationToken);
        return result.GetProperty("redact_id").GetString()!;
    }

    public async Task<RedactionStatus> GetRedactionStatusAsync(string redactionId, CancellationToken cancellationToken)
    {
        var status = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/user/redact_status/" + Uri.EscapeDataString(redactionId), null, cancellationToken);
        var failed = status.TryGetProperty("failed_redactions", out var f) && f.ValueKind == JsonValueKind.Object
            ? f.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new RedactionStatus(Str(status, "status") ?? "unknown", failed);
    }

    public async Task QuarantineMediaAsync(string serverName, string mediaId, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Post, $"_synapse/admin/v1/media/quarantine/{Uri.EscapeDataString(serverName)}/{Uri.EscapeDataString(mediaId)}", new { }, cancellationToken)).Dispose();

    public async Task<int> QuarantineRoomMediaAsync(string roomId, CancellationToken cancellationToken) =>
        Int(await SendAsync<JsonElement>(HttpMethod.Post, $"_synapse/admin/v1/room/{Uri.EscapeDataString(roomId)}/media/quarantine", new { }, cancellationToken), "num_quarantined");

    public async Task<int> QuarantineUserMediaAsync(string userId, CancellationToken cancellationToken) =>
        Int(await SendAsync<JsonElement>(HttpMethod.Post, $"_synapse/admin/v1/user/{Uri.EscapeDataString(userId)}/media/quarantine", new { }, cancellationToken), "num_quarantined");

    public async Task<IReadOnlyList<MediaAddress>> ListQuarantinedMediaAsync(CancellationToken cancellationToken)
    {
        // Synapse keeps no list of quarantined media, only a stream of changes (1.152 and later; it
        // includes media quarantined before): read it from the start, and the last change of each
        // item says whether it is in quarantine.
        var quarantined = new Dictionary<MediaAddress, bool>();
        var order = new List<MediaAddress>();
        long from = 0;
        while (true)
        {
            JsonElement page;
            try
            {
                page = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/media/quarantine_changes?from=" + from.ToString(CultureInfo.InvariantCulture), null, cancellationToken);
            }
            catch (HomeserverException e) when (e.StatusCode is 404 or 405 && from == 0)
            {
                throw new HomeserverException("This Synapse cannot list quarantined media (that came with Synapse 1.152); upgrade it to see the list.", e.StatusCode);
            }

            var changes = page.GetProperty("changes");
            foreach (var change in changes.EnumerateArray())
            {
                var media = new MediaAddress(Str(change, "origin") ?? "", Str(change, "media_id") ?? "");
                if (!quarantined.ContainsKey(media))
                {
                    order.Add(media);
                }

                // A boolean on PostgreSQL, 0 or 1 on SQLite: Synapse passes the column through.
                var flag = change.GetProperty("quarantined");
                quarantined[media] = flag.ValueKind == JsonValueKind.True || flag.ValueKind == JsonValueKind.Number && flag.GetInt32() != 0;
            }

            var next = page.GetProperty("next_batch").GetInt64();
            if (changes.GetArrayLength() == 0 || next <= from)
            {
                return order.Where(m => quarantined[m]).ToList();
            }

            from = next;
        }
    }

    public async Task ReleaseMediaAsync(MediaAddress media, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Post, $"_synapse/admin/v1/media/unquarantine/{Uri.EscapeDataString(media.Origin)}/{Uri.EscapeDataString(media.MediaId)}", new { }, cancellationToken)).Dispose();

    public async Task<IReadOnlyList<MediaItem>> ListUserMediaAsync(string userId, CancellationToken cancellationToken)
    {
        var page = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/media?limit=100&order_by=created_ts&dir=b", null, cancellationToken);
        return page.GetProperty("media").EnumerateArray().Select(m => new MediaItem(
            m.GetProperty("media_id").GetString()!,
            Str(m, "upload_name"),
            Str(m, "media_type"),
            m.TryGetProperty("media_length", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt64() : 0,
            Time(m, "created_ts") ?? DateTimeOffset.UnixEpoch,
            Str(m, "quarantined_by") is not null)).ToList();
    }

    public async Task SetShadowBanAsync(string userId, bool banned, CancellationToken cancellationToken) =>
        (await SendRawAsync(banned ? HttpMethod.Post : HttpMethod.Delete, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/shadow_ban", banned ? new { } : null, cancellationToken)).Dispose();

    public async Task<RateLimitOverride?> GetRateLimitAsync(string userId, CancellationToken cancellationToken)
    {
        var limit = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/override_ratelimit", null, cancellationToken);
        return limit.TryGetProperty("messages_per_second", out _) ? new RateLimitOverride(Int(limit, "messages_per_second"), Int(limit, "burst_count")) : null;
    }

    public async Task SetRateLimitAsync(string userId, RateLimitOverride? limit, CancellationToken cancellationToken)
    {
        var path = $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/override_ratelimit";
        (await (limit is null
            ? SendRawAsync(HttpMethod.Delete, path, null, cancellationToken)
            : SendRawAsync(HttpMethod.Post, path, new { messages_per_second = limit.MessagesPerSecond, burst_count = limit.BurstCount }, cancellationToken))).Dispose();
    }

    private static EventReport ToReport(JsonElement r) => new(
        r.GetProperty("id").GetInt64(),
        Time(r, "received_ts") ?? DateTimeOffset.UnixEpoch,
        r.GetProperty("room_id").GetString()!,
        Str(r, "name") ?? Str(r, "canonical_alias"),
        r.GetProperty("event_id").GetString()!,
        Str(r, "user_id") ?? "",
        Str(r, "reason"),
        r.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null,
        Str(r, "sender") ?? "");
}
