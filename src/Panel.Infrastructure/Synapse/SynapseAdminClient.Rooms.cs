using System.Text.Json;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

internal sealed partial class SynapseAdminClient
{
    public async Task<RoomSize?> FindRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken)
    {
        var text = roomIdOrAlias.Trim();
        if (text.Length < 4 || text[0] is not ('!' or '#') || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new HomeserverException($"'{roomIdOrAlias}' is not a room: give its ID (!abc:server) or alias (#name:server).", 400);
        }

        var alias = text[0] == '#' ? text : null;
        var roomId = alias is null ? text : await ResolveAliasAsync(alias, cancellationToken);
        if (roomId is null)
        {
            return null;
        }

        var local = await TryGetAsync("_synapse/admin/v1/rooms/" + Uri.EscapeDataString(roomId), cancellationToken);
        if (local is { } r)
        {
            return new RoomSize(roomId, Str(r, "canonical_alias") ?? alias, Str(r, "name"), Int(r, "joined_members"), Int(r, "state_events"), false, Int(r, "joined_local_members"));
        }

        // A room this server has never been in: its server's public directory knows its members.
        var server = (alias ?? roomId)[((alias ?? roomId).IndexOf(':', StringComparison.Ordinal) + 1)..];
        var directory = await TryPostAsync("_matrix/client/v3/publicRooms?server=" + Uri.EscapeDataString(server),
            new { limit = 50, filter = new { generic_search_term = alias ?? roomId } }, cancellationToken);
        var chunk = directory is { } d && d.TryGetProperty("chunk", out var c) ? c.EnumerateArray().ToList() : [];
        var found = chunk.FirstOrDefault(e => Str(e, "room_id") == roomId || (alias is not null && Str(e, "canonical_alias") == alias));
        if (found.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var members = Int(found, "num_joined_members");
        return new RoomSize(Str(found, "room_id")!, Str(found, "canonical_alias") ?? alias, Str(found, "name"), members, RoomSize.EstimateStateEvents(members), true, 0);
    }

    private async Task<string?> ResolveAliasAsync(string alias, CancellationToken cancellationToken) =>
        await TryGetAsync("_matrix/client/v3/directory/room/" + Uri.EscapeDataString(alias), cancellationToken) is { } a ? Str(a, "room_id") : null;

    /// <summary>A GET whose "not found" (or a remote server that cannot be reached) is an answer, not an error.</summary>
    private async Task<JsonElement?> TryGetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync<JsonElement>(HttpMethod.Get, path, null, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode is 400 or 404 or 502 or 504)
        {
            return null;
        }
    }

    private async Task<JsonElement?> TryPostAsync(string path, object body, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync<JsonElement>(HttpMethod.Post, path, body, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode is 400 or 403 or 404 or 502 or 504)
        {
            return null;
        }
    }
}
