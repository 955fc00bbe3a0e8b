using System.Text.Json.Nodes;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>
/// A room's retention and how much of its history this server holds: its own
/// <c>m.room.retention</c> lifetime (null when it follows the server's), when the history held here
/// starts, and why it is not the room's whole history (null when it is).
/// </summary>
public sealed record RoomRetentionView(string RoomId, string? Name, string? Alias, int Members, double? MaxLifetimeDays, DateTimeOffset? HistoryStartsAt, string? Incomplete);

public sealed record RetentionView(MessageRetention Server, string Description, IReadOnlyList<RoomRetentionView> Rooms, int TotalRooms);

/// <summary>The server's retention, with the confirmation a change that deletes messages needs.</summary>
public sealed record RetentionRequest(bool Enabled, int? DefaultMaxLifetimeDays, int? AllowedMaxLifetimeDays, bool Confirm = false);

/// <summary>A room's own lifetime in days (null: follow the server's), with the confirmation when it deletes.</summary>
public sealed record RoomRetentionRequest(int? MaxLifetimeDays, bool Confirm = false);

/// <summary>
/// Retention, visible: the server's policy (Synapse's <c>retention</c> settings, applied as a config
/// change with a restart) and each room's <c>m.room.retention</c>, set as one of the room's local
/// admins; and, per room, whether this server holds its whole history.
/// </summary>
public sealed class MessageRetentionService(HomeserverAccess homeserver, HomeserverLifecycle lifecycle, IAuditLog audit)
{
    /// <summary>The rooms shown: the largest, each read with two requests to Synapse.</summary>
    public const int RoomsShown = 50;

    private const long DayMs = 86_400_000;

    public async Task<RetentionView> GetAsync(CancellationToken cancellationToken)
    {
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var page = await admin.ListRoomsAsync("joined_members", true, 0, RoomsShown, cancellationToken);
        var rooms = new List<RoomRetentionView>();
        foreach (var room in page.Rooms)
        {
            rooms.Add(await RoomAsync(admin, d.ServerName, room, cancellationToken));
        }

        return new RetentionView(d.Retention, d.Retention.Describe(), rooms, page.Total);
    }

    /// <summary>Applies the server's policy: homeserver.yaml rewritten, Synapse restarted, rolled back if it does not come back.</summary>
    public async Task ApplyServerAsync(RetentionRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var policy = new MessageRetention(request.Enabled, request.DefaultMaxLifetimeDays, request.AllowedMaxLifetimeDays);
        policy.Validate();
        var d = await homeserver.GetDeploymentAsync(cancellationToken) ?? throw new ConflictException("The homeserver is not installed.");
        var before = d.Retention;
        if (policy.Deletes && !request.Confirm)
        {
            throw new DomainException(policy.Warning(before) + " Send confirm: true to apply it.");
        }

        await lifecycle.StartConfigChangeAsync($"Message retention: {policy.Describe()}", x => x.ApplyRetention(policy), x => x.ApplyRetention(before), actor,
            "homeserver.retention", reloadOnly: false, cancellationToken);
    }

    /// <summary>
    /// Sets a room's own lifetime, sent as the local member with the most power in it (the panel has
    /// none of its own there). Refused when no local member may change the room's settings.
    /// </summary>
    public async Task<string> SetRoomAsync(string roomId, RoomRetentionRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        if (request.MaxLifetimeDays is < MessageRetention.MinimumDays or > MessageRetention.MaximumDays)
        {
            throw new DomainException($"A room's lifetime must be between {MessageRetention.MinimumDays} and {MessageRetention.MaximumDays:N0} days, or empty to follow the server's.");
        }

        if (request.MaxLifetimeDays is not null && !request.Confirm)
        {
            throw new DomainException($"Messages in this room older than {MessageRetention.Days(request.MaxLifetimeDays.Value)} will be deleted from this server for everyone, "
                + "when the server's retention is on. Send confirm: true to set it.");
        }

        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var room = await RoomArchives.HeldRoomAsync(admin, roomId, cancellationToken);

        var state = await admin.GetRoomStateAsync(room.RoomId, cancellationToken);
        var sender = RoomPower.StrongestLocalMember(state, d.ServerName, "m.room.retention")
            ?? throw new ConflictException("No one on this server may change this room's settings: a room admin on another server can set its retention from their client.");
        var content = request.MaxLifetimeDays is { } days ? new JsonObject { ["max_lifetime"] = days * DayMs } : [];
        await admin.SendStateAsUserAsync(sender, room.RoomId, "m.room.retention", content, cancellationToken);
        await audit.RecordAsync(actor, "history.room-retention", room.RoomId, Panel.Domain.Audit.AuditOutcome.Success,
            (request.MaxLifetimeDays is { } n ? $"messages kept {MessageRetention.Days(n)}" : "follows the server's policy") + $"; sent as {sender}", cancellationToken);
        return sender;
    }

    private static async Task<RoomRetentionView> RoomAsync(IHomeserverAdmin admin, string serverName, RoomInfo room, CancellationToken cancellationToken)
    {
        var state = await admin.GetRoomStateAsync(room.RoomId, cancellationToken);
        var retention = state.FirstOrDefault(e => Str(e, "type") == "m.room.retention" && Str(e, "state_key") == "")?["content"]?["max_lifetime"];
        double? days = retention is JsonValue v && v.TryGetValue<long>(out var ms) ? Math.Round(ms / (double)DayMs, 1) : null;

        var page = (await admin.GetRoomEventsAsync(room.RoomId, null, 1, cancellationToken)).Events;
        var first = page.Count > 0 ? page[0] : null;
        var create = state.FirstOrDefault(e => Str(e, "type") == "m.room.create");
        DateTimeOffset? starts = first?["origin_server_ts"] is JsonValue t && t.TryGetValue<long>(out var ts) ? DateTimeOffset.FromUnixTimeMilliseconds(ts) : null;
        string? incomplete = null;
        if (first is not null && Str(first, "type") != "m.room.create")
        {
            var creator = create is null ? null : Str(create, "sender");
            incomplete = creator is not null && !creator.EndsWith(":" + serverName, StringComparison.Ordinal)
                ? "This server joined after the room began: the history before it joined is on other servers."
                : "Older messages were deleted from this server (purged, or by retention).";
        }

        return new RoomRetentionView(room.RoomId, room.Name, room.CanonicalAlias, room.JoinedMembers, days, starts, incomplete);
    }

    private static string? Str(JsonObject e, string name) => RoomPower.Str(e, name);
}
