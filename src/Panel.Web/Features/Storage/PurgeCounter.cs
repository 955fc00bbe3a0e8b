using Panel.Domain.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Storage;

/// <summary>
/// Counts, in the database, the events a history purge removes: the room's non-state events this
/// server received before the time (Synapse keeps state events, which the room needs), without this
/// server's users' own unless they go too. Received, not sent: Synapse's purge_up_to_ts finds its
/// point by received_ts, so history imported today with old dates is not "older" to it. The same
/// count before and after a purge is its dry run and its measure.
/// </summary>
public sealed class PurgeCounter(SynapseDatabase database)
{
    public async Task<PurgeCount> CountAsync(HomeserverDeployment d, string roomId, DateTimeOffset before, bool deleteLocalEvents, CancellationToken cancellationToken)
    {
        var local = deleteLocalEvents ? "" : $" AND e.sender NOT LIKE {SynapseDatabase.Literal("%:" + d.ServerName)}";
        var row = (await database.QueryAsync(d, $"""
            SELECT COUNT(*), COALESCE(SUM(LENGTH(j.json)), 0) FROM events e JOIN event_json j ON j.event_id = e.event_id
            WHERE e.room_id = {SynapseDatabase.Literal(roomId)} AND e.state_key IS NULL AND e.received_ts < {before.ToUnixTimeMilliseconds()}{local}
            """, cancellationToken))[0];
        return new PurgeCount(before, SynapseDatabase.Number(row[0]), SynapseDatabase.Number(row[1]));
    }

    /// <summary>When this server received the room's first event; null when it holds none.</summary>
    public async Task<DateTimeOffset?> FirstReceivedAsync(HomeserverDeployment d, string roomId, CancellationToken cancellationToken)
    {
        var row = (await database.QueryAsync(d, $"SELECT MIN(received_ts) FROM events WHERE room_id = {SynapseDatabase.Literal(roomId)}", cancellationToken))[0];
        return SynapseDatabase.NumberOrNull(row[0]) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
