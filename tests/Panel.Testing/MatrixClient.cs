using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Panel.Testing;

/// <summary>Just enough of the Matrix client-server API to prove that accounts work: log in, make a room, talk.</summary>
public sealed class MatrixClient(string baseUrl, HttpMessageHandler? handler = null) : IDisposable
{
    private readonly HttpClient _http = new(handler ?? new HttpClientHandler()) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };

    public string? UserId { get; private set; }

    public async Task<HttpResponseMessage> TryLoginAsync(string user, string password) =>
        await _http.PostAsJsonAsync("/_matrix/client/v3/login", new
        {
            type = "m.login.password",
            identifier = new { type = "m.id.user", user },
            password,
        });

    public async Task LoginAsync(string user, string password)
    {
        var response = await TryLoginAsync(user, password);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Login of {user} failed with {(int)response.StatusCode}: {body}");
        }

        var json = JsonDocument.Parse(body).RootElement;
        UserId = json.GetProperty("user_id").GetString();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.GetProperty("access_token").GetString());
    }

    public async Task<string> CreateRoomAsync(string name, IEnumerable<string>? invite = null, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["preset"] = "private_chat", ["invite"] = (invite ?? []).ToList() };
        return (await PostAsync("/_matrix/client/v3/createRoom", body)).GetProperty("room_id").GetString()!;
    }

    public async Task<string> SendTextAsync(string roomId, string text) =>
        (await PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{Guid.NewGuid():N}", new { msgtype = "m.text", body = text }))
            .GetProperty("event_id").GetString()!;

    public async Task JoinAsync(string roomIdOrAlias) => await PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(roomIdOrAlias)}", new { });

    public async Task<IReadOnlyList<string>> JoinedRoomsAsync() =>
        (await GetAsync("/_matrix/client/v3/joined_rooms")).GetProperty("joined_rooms").EnumerateArray().Select(r => r.GetString()!).ToList();

    /// <summary>The text bodies of the latest messages in a room, newest first.</summary>
    public async Task<IReadOnlyList<string>> RecentTextsAsync(string roomId, int limit = 50)
    {
        var messages = await GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit={limit}");
        return messages.GetProperty("chunk").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "m.room.message" && e.GetProperty("content").TryGetProperty("body", out _))
            .Select(e => e.GetProperty("content").GetProperty("body").GetString()!)
            .ToList();
    }

    /// <summary>Reports a message to the server's admins, as a client's "Report" menu does.</summary>
    public async Task ReportAsync(string roomId, string eventId, string reason, int? score = null) =>
        await PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/report/{Uri.EscapeDataString(eventId)}",
            score is null ? new { reason } : new { reason, score });

    /// <summary>An event's content as this user sees it (empty once redacted).</summary>
    public async Task<JsonElement> EventContentAsync(string roomId, string eventId) =>
        (await GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/event/{Uri.EscapeDataString(eventId)}")).GetProperty("content");

    /// <summary>
    /// Waits for a server notice that contains <paramref name="text"/>: long-polls sync, joins the
    /// notices room it is invited to, and reads the rooms it is in. Returns the notice.
    /// </summary>
    public async Task<string> WaitForNoticeAsync(string text, TimeSpan timeout)
    {
        string? since = null;
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var sync = await GetAsync("/_matrix/client/v3/sync?timeout=5000" + (since is null ? "" : "&since=" + Uri.EscapeDataString(since)));
            since = sync.GetProperty("next_batch").GetString();
            if (sync.TryGetProperty("rooms", out var rooms) && rooms.TryGetProperty("invite", out var invites))
            {
                foreach (var room in invites.EnumerateObject())
                {
                    await JoinAsync(room.Name);
                }
            }

            foreach (var room in await JoinedRoomsAsync())
            {
                if ((await RecentTextsAsync(room)).FirstOrDefault(t => t.Contains(text, StringComparison.Ordinal)) is { } notice)
                {
                    return notice;
                }
            }
        }

        throw new TimeoutException($"No server notice with '{text}' reached {UserId} within {timeout.TotalSeconds:0} s.");
    }

    /// <summary>How many of the messages in this user's rooms contain <paramref name="text"/>.</summary>
    public async Task<int> CountTextsAsync(string text)
    {
        var count = 0;
        foreach (var room in await JoinedRoomsAsync())
        {
            count += (await RecentTextsAsync(room, 200)).Count(t => t.Contains(text, StringComparison.Ordinal));
        }

        return count;
    }

    /// <summary>Uploads a file; returns its mxc:// address.</summary>
    public async Task<string> UploadAsync(string fileName, byte[] bytes, string contentType = "application/octet-stream")
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var path = "/_matrix/media/v3/upload?filename=" + Uri.EscapeDataString(fileName);
        return (await ReadAsync(await _http.PostAsync(path, content), path)).GetProperty("content_uri").GetString()!;
    }

    /// <summary>How the server answers this user's download of <paramref name="mxc"/> (authenticated media).</summary>
    public async Task<System.Net.HttpStatusCode> DownloadStatusAsync(string mxc)
    {
        using var response = await _http.GetAsync("/_matrix/client/v1/media/download/" + mxc["mxc://".Length..]);
        return response.StatusCode;
    }

    public async Task<JsonElement> GetAsync(string path) => await ReadAsync(await _http.GetAsync(path), path);

    public async Task<JsonElement> PostAsync(string path, object body) => await ReadAsync(await _http.PostAsJsonAsync(path, body), path);

    public async Task<JsonElement> PutAsync(string path, object body) => await ReadAsync(await _http.PutAsJsonAsync(path, body), path);

    public HttpClient Http => _http;

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string path)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
