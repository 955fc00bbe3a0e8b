using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Storage;

/// <summary>
/// Plans a history purge by the dates messages were sent, and counts what it removes. Synapse's
/// purge by time goes by when this server received events, so history imported today with old dates
/// (a Slack import) would all count as new; a purge up to an event goes by the room's order instead.
/// The plan picks the room's first event after the last message sent before the date: everything
/// before it in the room's order goes. The count is the rows Synapse's purge selects (non-state
/// events before that point, without this server's users' own unless they go too), so the same count
/// before and after the purge is its dry run and its measure.
/// </summary>
public sealed class PurgeCounter(SynapseDatabase database)
{
    /// <summary>The event a purge of messages sent before <paramref name="before"/> goes up to, and what it removes.</summary>
    public async Task<PurgePlan> PlanAsync(HomeserverDeployment d, string roomId, DateTimeOffset before, bool deleteLocalEvents, CancellationToken cancellationToken)
    {
        var room = SynapseDatabase.Literal(roomId);
        var sent = (await database.QueryAsync(d, $"""
            SELECT MAX(CASE WHEN e.origin_server_ts < {before.ToUnixTimeMilliseconds()} THEN e.topological_ordering END), MIN(e.origin_server_ts)
            FROM events e LEFT JOIN state_events s ON s.event_id = e.event_id WHERE e.room_id = {room} AND s.event_id IS NULL
            """, cancellationToken))[0];
        if (SynapseDatabase.NumberOrNull(sent[0]) is not { } lastDepth)
        {
            throw new DomainException(SynapseDatabase.NumberOrNull(sent[1]) is { } first
                ? $"Nothing in this room was sent before {before:yyyy-MM-dd HH:mm} UTC: its first message is from {DateTimeOffset.FromUnixTimeMilliseconds(first):yyyy-MM-dd HH:mm} UTC."
                : "This room holds no messages on this server: there is nothing to purge.");
        }

        // The first event after that message; when there is none, the room's latest, which Synapse keeps.
        var next = await database.QueryAsync(d, $"""
            SELECT event_id, topological_ordering FROM events WHERE room_id = {room} AND topological_ordering > {lastDepth}
            ORDER BY topological_ordering, stream_ordering LIMIT 1
            """, cancellationToken);
        var point = next.Count > 0 ? next[0] : (await database.QueryAsync(d, $"SELECT event_id, topological_ordering FROM events WHERE room_id = {room} ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1", cancellationToken))[0];
        var depth = SynapseDatabase.Number(point[1]);
        return new PurgePlan(point[0], depth, await CountAsync(d, roomId, before, depth, deleteLocalEvents, cancellationToken));
    }

    /// <summary>The events a purge up to <paramref name="depth"/> in the room's order removes, and their bytes.</summary>
    public async Task<PurgeCount> CountAsync(HomeserverDeployment d, string roomId, DateTimeOffset before, long depth, bool deleteLocalEvents, CancellationToken cancellationToken)
    {
        var local = deleteLocalEvents ? "" : $" AND e.sender NOT LIKE {SynapseDatabase.Literal("%:" + d.ServerName)}";
        var row = (await database.QueryAsync(d, $"""
            SELECT COUNT(*), COALESCE(SUM(LENGTH(j.json)), 0)
            FROM events e JOIN event_json j ON j.event_id = e.event_id LEFT JOIN state_events s ON s.event_id = e.event_id
            WHERE e.room_id = {SynapseDatabase.Literal(roomId)} AND s.event_id IS NULL AND e.topological_ordering < {depth}{local}
            """, cancellationToken))[0];
        return new PurgeCount(before, SynapseDatabase.Number(row[0]), SynapseDatabase.Number(row[1]));
    }
}

/// <summary>A purge's point in the room (the event it goes up to, and that event's depth) and what it removes.</summary>
public sealed record PurgePlan(string EventId, long Depth, PurgeCount Count);
