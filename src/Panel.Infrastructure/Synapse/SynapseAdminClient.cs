using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>The Synapse admin API (and the bits of the client API the panel needs) for one homeserver.</summary>
internal sealed partial class SynapseAdminClient(HttpClient http, HomeserverConnection connection, TimeProvider clock, ILogger<SynapseAdminClient> logger) : IHomeserverAdmin
{
    private readonly Uri _base = new(connection.BaseUrl.EndsWith('/') ? connection.BaseUrl : connection.BaseUrl + "/");

    // In worker mode the main process serves no media: media and its admin API go to the media worker.
    private readonly Uri? _media = connection.MediaBaseUrl is { } m ? new(m.EndsWith('/') ? m : m + "/") : null;

    public HomeserverCapabilities Capabilities => HomeserverCapabilities.All;

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(_base, "health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<string?> GetVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = await SendAsync<ServerVersion>(HttpMethod.Get, "_synapse/admin/v1/server_version", null, cancellationToken);
            return version.Version;
        }
        catch (Exception e) when (e is HomeserverException or HttpRequestException)
        {
            return null;
        }
    }

    public async Task<string> WhoAmIAsync(CancellationToken cancellationToken) =>
        (await SendAsync<WhoAmI>(HttpMethod.Get, "_matrix/client/v3/account/whoami", null, cancellationToken)).UserId;

    public async Task<UserPage> ListUsersAsync(UserQuery query, CancellationToken cancellationToken)
    {
        var q = new List<string>
        {
            $"from={Math.Max(0, query.From)}",
            $"limit={Math.Clamp(query.Limit, 1, 500)}",
            $"guests={(query.IncludeGuests ? "true" : "false")}",
            $"deactivated={(query.IncludeDeactivated ? "true" : "false")}",
            $"order_by={Uri.EscapeDataString(query.OrderBy)}",
            $"dir={(query.Descending ? "b" : "f")}",
        };
        if (query.AdminsOnly)
        {
            q.Add("admins=true");
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            q.Add("name=" + Uri.EscapeDataString(query.Search.Trim()));
        }

        var page = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v2/users?" + string.Join('&', q), null, cancellationToken);
        var users = page.GetProperty("users").EnumerateArray().Select(ToUser).ToList();
        var total = page.TryGetProperty("total", out var t) ? t.GetInt32() : users.Count;
        int? next = page.TryGetProperty("next_token", out var n) && n.ValueKind != JsonValueKind.Null
            ? int.Parse(n.ValueKind == JsonValueKind.String ? n.GetString()! : n.GetRawText(), System.Globalization.CultureInfo.InvariantCulture)
            : null;
        return new UserPage(users, total, next);
    }

    public async Task<HomeserverUser?> GetUserAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            return ToUser(await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v2/users/" + Uri.EscapeDataString(userId), null, cancellationToken));
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    public async Task<string> CreateUserAsync(NewUser user, string? sharedSecret, CancellationToken cancellationToken)
    {
        var userId = $"@{user.Localpart}:{connection.ServerName}";
        if (sharedSecret is not null)
        {
            // The shared-secret registration refuses a taken name itself, so two people racing for the
            // same name cannot both "win" (an admin PUT would silently change the first one's password).
            var registerUrl = new Uri(_base, "_synapse/admin/v1/register");
            var nonce = (await http.GetFromJsonAsync<JsonElement>(registerUrl, cancellationToken)).GetProperty("nonce").GetString()!;
            var body = new Dictionary<string, object?>
            {
                ["nonce"] = nonce,
                ["username"] = user.Localpart,
                ["password"] = user.Password,
                ["admin"] = user.Admin,
                ["displayname"] = user.DisplayName,
                ["mac"] = SynapseAdminFactory.Mac(sharedSecret, nonce, user.Localpart, user.Password, user.Admin),
            };
            using var response = await http.PostAsJsonAsync(registerUrl, body, Json, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var (code, message) = await SynapseErrors.ReadAsync(response, cancellationToken);
                throw new HomeserverException(code == "M_USER_IN_USE" ? "That username is taken." : message, (int)response.StatusCode, code);
            }

            var registered = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var createdId = registered.GetProperty("user_id").GetString()!;
            if (registered.TryGetProperty("device_id", out var device) && device.GetString() is { } deviceId)
            {
                // The registration signs the new user in; that session is the panel's, not theirs.
                await DeleteDeviceAsync(createdId, deviceId, cancellationToken);
            }

            LogUserCreated(logger, createdId);
            return createdId;
        }

        if (await GetUserAsync(userId, cancellationToken) is not null)
        {
            throw new HomeserverException("That username is taken.", 400, "M_USER_IN_USE");
        }

        (await SendRawAsync(HttpMethod.Put, "_synapse/admin/v2/users/" + Uri.EscapeDataString(userId), new Dictionary<string, object?>
        {
            ["password"] = user.Password,
            ["displayname"] = user.DisplayName,
            ["admin"] = user.Admin,
        }, cancellationToken)).Dispose();
        LogUserCreated(logger, userId);
        return userId;
    }

    public async Task SetPasswordAsync(string userId, string password, bool logOutDevices, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Post, "_synapse/admin/v1/reset_password/" + Uri.EscapeDataString(userId),
            new { new_password = password, logout_devices = logOutDevices }, cancellationToken)).Dispose();

    public async Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Post, "_synapse/admin/v1/deactivate/" + Uri.EscapeDataString(userId), new { erase }, cancellationToken)).Dispose();

    public async Task SetAdminAsync(string userId, bool admin, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Put, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/admin", new { admin }, cancellationToken)).Dispose();

    public async Task SetDisplayNameAsync(string userId, string displayName, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Put, "_synapse/admin/v2/users/" + Uri.EscapeDataString(userId), new { displayname = displayName }, cancellationToken)).Dispose();

    public async Task<IReadOnlyList<UserDevice>> ListDevicesAsync(string userId, CancellationToken cancellationToken)
    {
        var result = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}/devices", null, cancellationToken);
        return result.GetProperty("devices").EnumerateArray().Select(d => new UserDevice(
            d.GetProperty("device_id").GetString()!,
            Str(d, "display_name"),
            Str(d, "last_seen_ip"),
            Time(d, "last_seen_ts"),
            Str(d, "last_seen_user_agent"))).ToList();
    }

    public async Task DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Delete, $"_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}/devices/{Uri.EscapeDataString(deviceId)}", null, cancellationToken)).Dispose();

    public async Task<IReadOnlyList<string>> ListJoinedRoomsAsync(string userId, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/joined_rooms", null, cancellationToken))
            .GetProperty("joined_rooms").EnumerateArray().Select(r => r.GetString()!).ToList();

    public async Task<MediaUsage> GetMediaUsageAsync(string userId, CancellationToken cancellationToken)
    {
        var localpart = userId.TrimStart('@').Split(':')[0];
        var stats = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/statistics/users/media?limit=100&search_term=" + Uri.EscapeDataString(localpart), null, cancellationToken);
        foreach (var u in stats.GetProperty("users").EnumerateArray())
        {
            if (u.GetProperty("user_id").GetString() == userId)
            {
                return new MediaUsage(u.GetProperty("media_count").GetInt64(), u.GetProperty("media_length").GetInt64());
            }
        }

        return new MediaUsage(0, 0);
    }

    public async Task<bool> IsUsernameAvailableAsync(string localpart, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(_base, "_matrix/client/v3/register/available?username=" + Uri.EscapeDataString(localpart)), cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var (code, message) = await SynapseErrors.ReadAsync(response, cancellationToken);
        return code switch
        {
            "M_USER_IN_USE" or "M_EXCLUSIVE" => false,
            // With open registration switched off (invites only), Synapse refuses to answer; the admin
            // API tells the same thing.
            "M_FORBIDDEN" => await GetUserAsync($"@{localpart}:{connection.ServerName}", cancellationToken) is null,
            "M_INVALID_USERNAME" => throw new HomeserverException(message, (int)response.StatusCode, code),
            _ => throw new HomeserverException($"The homeserver could not check the name: {message}", (int)response.StatusCode, code),
        };
    }

    public async Task JoinRoomAsync(string userId, string roomIdOrAlias, CancellationToken cancellationToken) =>
        (await SendRawAsync(HttpMethod.Post, "_synapse/admin/v1/join/" + Uri.EscapeDataString(roomIdOrAlias), new { user_id = userId }, cancellationToken)).Dispose();

    public async Task<RegistrationTokenInfo> CreateRegistrationTokenAsync(string token, int usesAllowed, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        ToToken(await SendAsync<JsonElement>(HttpMethod.Post, "_synapse/admin/v1/registration_tokens/new",
            new { token, uses_allowed = usesAllowed, expiry_time = expiresAt.ToUnixTimeMilliseconds() }, cancellationToken));

    public async Task<RegistrationTokenInfo?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            return ToToken(await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/registration_tokens/" + Uri.EscapeDataString(token), null, cancellationToken));
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            return null;
        }
    }

    public async Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            (await SendRawAsync(HttpMethod.Delete, "_synapse/admin/v1/registration_tokens/" + Uri.EscapeDataString(token), null, cancellationToken)).Dispose();
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            // Already gone: revoked is revoked.
        }
    }

    public async Task SendServerNoticeAsync(string userId, string text, CancellationToken cancellationToken, string? transactionId = null)
    {
        try
        {
            (await SendRawAsync(transactionId is null ? HttpMethod.Post : HttpMethod.Put,
                "_synapse/admin/v1/send_server_notice" + (transactionId is null ? "" : "/" + Uri.EscapeDataString(transactionId)),
                new { user_id = userId, content = new { msgtype = "m.text", body = text } }, cancellationToken)).Dispose();
        }
        catch (HomeserverException e) when (e.Message.Contains("notices are not enabled", StringComparison.OrdinalIgnoreCase))
        {
            // A homeserver the panel did not set up may have them off; the panel's own installs turn them on.
            throw new HomeserverException(
                "This homeserver's server notices are off, so the panel cannot message its users. Add to homeserver.yaml: " +
                "server_notices: { system_mxid_localpart: server, room_name: \"Server notices\" }, and restart Synapse.", e.StatusCode, e.ErrorCode);
        }
    }

    public async Task<IReadOnlyList<string>> ListRoomMembersAsync(string roomId, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}/members", null, cancellationToken))
            .GetProperty("members").EnumerateArray().Select(m => m.GetString()!).ToList();

    public async Task<RoomPage> ListRoomsAsync(string orderBy, bool descending, int from, int limit, CancellationToken cancellationToken, string? search = null)
    {
        var filter = string.IsNullOrWhiteSpace(search) ? "" : "&search_term=" + Uri.EscapeDataString(search.Trim());
        var page = await SendAsync<JsonElement>(HttpMethod.Get,
            $"_synapse/admin/v1/rooms?order_by={Uri.EscapeDataString(orderBy)}&dir={(descending ? "b" : "f")}&from={Math.Max(0, from)}&limit={Math.Clamp(limit, 1, 500)}{filter}", null, cancellationToken);
        var rooms = page.GetProperty("rooms").EnumerateArray().Select(r => new RoomInfo(
            r.GetProperty("room_id").GetString()!,
            Str(r, "name"),
            Str(r, "canonical_alias"),
            Int(r, "joined_members"),
            Int(r, "joined_local_members"),
            Int(r, "state_events"),
            Bool(r, "federatable"),
            Bool(r, "public"),
            Str(r, "room_type"))).ToList();
        return new RoomPage(rooms, page.TryGetProperty("total_rooms", out var t) ? t.GetInt32() : rooms.Count);
    }

    public async Task<IReadOnlyDictionary<string, long>?> GetRoomDatabaseSizesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stats = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/statistics/database/rooms", null, cancellationToken);
            return stats.GetProperty("rooms").EnumerateArray()
                .ToDictionary(r => r.GetProperty("room_id").GetString()!, r => r.GetProperty("estimated_size").GetInt64());
        }
        catch (HomeserverException e) when (e.StatusCode is 400 or 404 or 500 or 501)
        {
            // Only Synapse on PostgreSQL can estimate sizes.
            return null;
        }
    }

    public async Task<IReadOnlyList<UserMediaUsage>> ListMediaUsageAsync(int limit, CancellationToken cancellationToken)
    {
        var stats = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/statistics/users/media?order_by=media_length&dir=b&limit={limit}", null, cancellationToken);
        return stats.GetProperty("users").EnumerateArray()
            .Select(u => new UserMediaUsage(u.GetProperty("user_id").GetString()!, Str(u, "displayname"), u.GetProperty("media_count").GetInt64(), u.GetProperty("media_length").GetInt64()))
            .ToList();
    }

    // before_ts is in milliseconds: a value in seconds would be 1970 and purge nothing (Ketesa #215).
    public async Task<int> PurgeRemoteMediaCacheAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Post, $"_synapse/admin/v1/purge_media_cache?before_ts={before.ToUnixTimeMilliseconds()}", new { }, cancellationToken))
        .GetProperty("deleted").GetInt32();

    public async Task<BackgroundUpdateStatus> GetBackgroundUpdatesAsync(CancellationToken cancellationToken)
    {
        var status = await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/background_updates/status", null, cancellationToken);
        var running = status.TryGetProperty("current_updates", out var current) && current.ValueKind == JsonValueKind.Object
            ? current.EnumerateObject().Select(p => p.Value.GetProperty("name").GetString()!).ToList()
            : [];
        return new BackgroundUpdateStatus(!status.TryGetProperty("enabled", out var e) || e.ValueKind != JsonValueKind.False, running);
    }

    public async Task<string> StartPurgeHistoryAsync(string roomId, PurgeUpTo upTo, bool deleteLocalEvents, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Post, "_synapse/admin/v1/purge_history/" + Uri.EscapeDataString(roomId),
            upTo.EventId is { } eventId
                ? new { delete_local_events = deleteLocalEvents, purge_up_to_event_id = eventId }
                : (object)new { delete_local_events = deleteLocalEvents, purge_up_to_ts = upTo.ReceivedBefore!.Value.ToUnixTimeMilliseconds() }, cancellationToken))
        .GetProperty("purge_id").GetString()!;

    public async Task<string> GetPurgeStatusAsync(string purgeId, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v1/purge_history_status/" + Uri.EscapeDataString(purgeId), null, cancellationToken))
        .GetProperty("status").GetString()!;

    public async Task<string> StartDeleteRoomAsync(string roomId, bool block, bool purge, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Delete, "_synapse/admin/v2/rooms/" + Uri.EscapeDataString(roomId), new { block, purge }, cancellationToken))
        .GetProperty("delete_id").GetString()!;

    public async Task<string> GetDeleteStatusAsync(string deleteId, CancellationToken cancellationToken) =>
        (await SendAsync<JsonElement>(HttpMethod.Get, "_synapse/admin/v2/rooms/delete_status/" + Uri.EscapeDataString(deleteId), null, cancellationToken))
        .GetProperty("status").GetString()!;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static HomeserverUser ToUser(JsonElement u) => new(
        u.GetProperty("name").GetString()!,
        Str(u, "displayname"),
        Bool(u, "admin"),
        Bool(u, "deactivated"),
        Bool(u, "is_guest"),
        Time(u, "creation_ts"),
        Time(u, "last_seen_ts"),
        Str(u, "appservice_id"),
        Str(u, "user_type"),
        Bool(u, "locked"));

    private static RegistrationTokenInfo ToToken(JsonElement t) => new(
        t.GetProperty("token").GetString()!,
        t.TryGetProperty("uses_allowed", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : null,
        t.TryGetProperty("pending", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0,
        t.TryGetProperty("completed", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0,
        Time(t, "expiry_time"));

    // Synapse answers 0/1 in older versions and true/false in newer ones.
    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.Number && v.GetInt64() != 0));

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // creation_ts was in seconds in older versions and is in milliseconds now.
    private static DateTimeOffset? Time(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        var value = v.GetInt64();
        return value <= 0 ? null : value > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(value) : DateTimeOffset.FromUnixTimeSeconds(value);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created homeserver user {UserId}")]
    private static partial void LogUserCreated(ILogger logger, string userId);

    internal async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, cancellationToken);
        if (typeof(T) == typeof(JsonElement))
        {
            return (T)(object)(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
        }

        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
            ?? throw new HomeserverException($"The homeserver gave an empty answer to {path}.");
    }

    internal async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken, string? asToken = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_media is not null && SynapseWorkerRoutes.ServedByMediaWorker(path) ? _media : _base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", asToken ?? connection.AccessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HomeserverException($"The homeserver at {connection.BaseUrl} cannot be reached.", e);
        }

        if (!response.IsSuccessStatusCode)
        {
            var (code, message) = await SynapseErrors.ReadAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            response.Dispose();
            LogFailed(logger, method.Method, path.Split('?')[0], status, code);
            throw new HomeserverException(status == 401 ? "The panel's admin token for the homeserver is no longer valid." : message, status, code);
        }

        return response;
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal TimeProvider Clock => clock;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Homeserver admin call {Method} {Path} failed with {Status} {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, string method, string path, int status, string? errorCode);

    private sealed record ServerVersion([property: JsonPropertyName("server_version")] string Version);

    private sealed record WhoAmI([property: JsonPropertyName("user_id")] string UserId);
}
