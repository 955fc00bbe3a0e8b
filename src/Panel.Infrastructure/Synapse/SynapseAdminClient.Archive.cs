using System.Text.Json;
using System.Text.Json.Nodes;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>Reading a whole room, for its archive (state, timeline and media, through the admin's access), and finding members by e-mail.</summary>
internal sealed partial class SynapseAdminClient
{
    public async Task<string?> FindUserByEmailAsync(string email, CancellationToken cancellationToken) =>
        await TryGetAsync("_synapse/admin/v1/threepid/email/users/" + Uri.EscapeDataString(email.Trim()), cancellationToken) is { } found ? Str(found, "user_id") : null;

    public async Task<IReadOnlyList<JsonObject>> GetRoomStateAsync(string roomId, CancellationToken cancellationToken)
    {
        var answer = await SendAsync<JsonElement>(HttpMethod.Get, $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}/state", null, cancellationToken);
        return [.. answer.GetProperty("state").EnumerateArray().Select(e => JsonNode.Parse(e.GetRawText())!.AsObject())];
    }

    public async Task<RoomEventsPage> GetRoomEventsAsync(string roomId, string? from, int limit, CancellationToken cancellationToken)
    {
        var path = $"_synapse/admin/v1/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=f&limit={Math.Clamp(limit, 1, 1000)}"
            + (from is null ? "" : "&from=" + Uri.EscapeDataString(from));
        var answer = await SendAsync<JsonElement>(HttpMethod.Get, path, null, cancellationToken);
        var events = answer.TryGetProperty("chunk", out var chunk) ? chunk.EnumerateArray().Select(e => JsonNode.Parse(e.GetRawText())!.AsObject()).ToList() : [];
        // The end of the timeline is a page with no events (Synapse may still give an end token).
        var next = events.Count > 0 && answer.TryGetProperty("end", out var end) && end.ValueKind == JsonValueKind.String ? end.GetString() : null;
        return new RoomEventsPage(events, next);
    }

    public Task SendStateAsUserAsync(string userId, string roomId, string eventType, JsonObject content, CancellationToken cancellationToken) =>
        AsUserAsync(userId, async token =>
            (await SendRawAsync(HttpMethod.Put, $"_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/{Uri.EscapeDataString(eventType)}/", content, cancellationToken, token)).Dispose(),
            cancellationToken);

    /// <summary>
    /// Does one thing as a local user: the panel's own token when it is the panel's account, else a
    /// five-minute session the admin API makes for them, logged out at once afterwards.
    /// </summary>
    internal async Task AsUserAsync(string userId, Func<string?, Task> action, CancellationToken cancellationToken)
    {
        if (userId == await WhoAmIAsync(cancellationToken))
        {
            await action(null);
            return;
        }

        var login = await SendAsync<JsonElement>(HttpMethod.Post, $"_synapse/admin/v1/users/{Uri.EscapeDataString(userId)}/login",
            new { valid_until_ms = clock.GetUtcNow().AddMinutes(5).ToUnixTimeMilliseconds() }, cancellationToken);
        var token = login.GetProperty("access_token").GetString()!;
        try
        {
            await action(token);
        }
        finally
        {
            // The session was the panel's, for this one request: it must not stay among the member's devices.
            (await SendRawAsync(HttpMethod.Post, "_matrix/client/v3/logout", new { }, CancellationToken.None, token)).Dispose();
        }
    }

    public async Task<HomeserverMedia?> DownloadMediaAsync(string mxcUri, CancellationToken cancellationToken)
    {
        if (!mxcUri.StartsWith("mxc://", StringComparison.Ordinal) || mxcUri[6..].Split('/') is not [{ Length: > 0 } server, { Length: > 0 } id])
        {
            return null;
        }

        HttpResponseMessage response;
        try
        {
            response = await SendRawAsync(HttpMethod.Get, $"_matrix/client/v1/media/download/{Uri.EscapeDataString(server)}/{Uri.EscapeDataString(id)}?allow_redirect=false", null, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode is 404 or 502 or 504)
        {
            return null;
        }

        return new HomeserverMedia(new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken)),
            response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentLength);
    }

    /// <summary>The body of a response that disposes the response with it.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
