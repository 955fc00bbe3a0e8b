using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Panel.Domain.History;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

internal sealed class SynapseHistoryWriterFactory(IHttpClientFactory http) : IHistoryWriterFactory
{
    public IHistoryWriter Create(string baseUrl, string asToken, string serverName, string? mediaBaseUrl = null) =>
        new SynapseHistoryWriter(http.CreateClient(SynapseAdminFactory.HttpClientName), Base(baseUrl), asToken, serverName, mediaBaseUrl is null ? null : Base(mediaBaseUrl));

    private static Uri Base(string url) => new(url.EndsWith('/') ? url : url + "/");
}

/// <summary>
/// The client-server API as an appservice: every request carries the appservice's token and names
/// the user it acts as (<c>user_id</c>); messages carry their original time (<c>ts</c>).
/// When Synapse asks to slow down, it waits as long as asked.
/// </summary>
internal sealed class SynapseHistoryWriter(HttpClient http, Uri baseUrl, string asToken, string serverName, Uri? mediaBaseUrl = null) : IHistoryWriter
{
    public async Task EnsureUserAsync(string localpart, string displayName, CancellationToken cancellationToken)
    {
        using (var register = await SendRawAsync(HttpMethod.Post, "_matrix/client/v3/register", null,
                   new JsonObject { ["type"] = "m.login.application_service", ["username"] = localpart, ["inhibit_login"] = true }, cancellationToken))
        {
            if (!register.IsSuccessStatusCode && !(register.StatusCode == HttpStatusCode.BadRequest && (await register.Content.ReadAsStringAsync(cancellationToken)).Contains("M_USER_IN_USE", StringComparison.Ordinal)))
            {
                await FailAsync(register, "registering " + localpart, cancellationToken);
            }
        }

        var userId = $"@{localpart}:{serverName}";
        await SendAsync(HttpMethod.Put, $"_matrix/client/v3/profile/{Uri.EscapeDataString(userId)}/displayname", userId, new JsonObject { ["displayname"] = displayName }, cancellationToken);
    }

    public async Task SetAvatarAsync(string userId, string mxcUri, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Put, $"_matrix/client/v3/profile/{Uri.EscapeDataString(userId)}/avatar_url", userId, new JsonObject { ["avatar_url"] = mxcUri }, cancellationToken);

    public async Task<string> CreateRoomAsync(string creator, JsonObject body, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, "_matrix/client/v3/createRoom", creator, body, cancellationToken)).GetProperty("room_id").GetString()!;

    public async Task InviteAsync(string roomId, string inviter, string userId, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpMethod.Post, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/invite", inviter, new JsonObject { ["user_id"] = userId }, cancellationToken);
        // Already invited or joined is as good as invited.
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Forbidden)
        {
            await FailAsync(response, "inviting " + userId, cancellationToken);
        }
    }

    public async Task JoinAsync(string roomId, string userId, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, $"_matrix/client/v3/join/{Uri.EscapeDataString(roomId)}", userId, new JsonObject(), cancellationToken);

    public async Task PublishAsync(string roomId, string sender, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Put, $"_matrix/client/v3/directory/list/room/{Uri.EscapeDataString(roomId)}", sender, new JsonObject { ["visibility"] = "public" }, cancellationToken);

    public async Task SetStateAsync(string roomId, string sender, string eventType, string stateKey, JsonObject content, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Put, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/{Uri.EscapeDataString(eventType)}/{Uri.EscapeDataString(stateKey)}", sender, content, cancellationToken);

    public async Task<string> SendAsync(string roomId, string sender, string eventType, JsonObject content, string transactionId, DateTimeOffset originalTime, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Put,
            $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/{Uri.EscapeDataString(eventType)}/{Uri.EscapeDataString(transactionId)}?ts={originalTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}",
            sender, content, cancellationToken)).GetProperty("event_id").GetString()!;

    public async Task<string> UploadAsync(string sender, Stream content, string fileName, string contentType, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url($"_matrix/media/v3/upload?filename={Uri.EscapeDataString(fileName)}", sender))
            {
                Content = new StreamContent(content),
            };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(contentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", asToken);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 10 && content.CanSeek)
            {
                content.Position = 0;
                await WaitAsync(response, cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                await FailAsync(response, "uploading " + fileName, cancellationToken);
            }

            return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("content_uri").GetString()!;
        }
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string? asUser, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, asUser, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await FailAsync(response, $"{method} {path.Split('?')[0]}", cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? asUser, JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, Url(path, asUser)) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", asToken);
            var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt >= 20)
            {
                return response;
            }

            await WaitAsync(response, cancellationToken);
            response.Dispose();
        }
    }

    private Uri Url(string path, string? asUser) =>
        new(mediaBaseUrl is not null && SynapseWorkerRoutes.ServedByMediaWorker(path) ? mediaBaseUrl : baseUrl, asUser is null ? path : path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "user_id=" + Uri.EscapeDataString(asUser));

    private static async Task WaitAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var ms = 1000;
        try
        {
            ms = JsonDocument.Parse(body).RootElement.TryGetProperty("retry_after_ms", out var r) ? r.GetInt32() : ms;
        }
        catch (JsonException)
        {
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(ms, 50, 30_000)), cancellationToken);
    }

    private static async Task FailAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null, error = null;
        try
        {
            var json = JsonDocument.Parse(text).RootElement;
            code = json.TryGetProperty("errcode", out var c) ? c.GetString() : null;
            error = json.TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
        }

        throw new HomeserverException($"The homeserver refused {what}: {(int)response.StatusCode} {error ?? code ?? response.ReasonPhrase}", (int)response.StatusCode, code);
    }
}
