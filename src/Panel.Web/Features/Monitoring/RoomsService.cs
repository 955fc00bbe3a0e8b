using System.Collections.Concurrent;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

public sealed record RoomCost(
    string RoomId,
    string? Name,
    string? Alias,
    int JoinedMembers,
    int LocalMembers,
    int RemoteMembers,
    long StateEvents,
    long? DatabaseBytes,
    bool Federated,
    bool Space,
    bool LikelyMemorySink);

public sealed record RoomList(IReadOnlyList<RoomCost> Rooms, int Total, bool SizesKnown, string OrderBy);

public sealed record BeforeAfter(long? DatabaseBytes, long? SynapseMemoryBytes);

public sealed record RoomOperation(
    Guid Id,
    string Kind,
    string RoomId,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    BeforeAfter Before,
    BeforeAfter? After,
    string? Error,
    PurgeCount? Purge = null);

/// <summary>
/// A history purge's events, counted in the database: those it would remove (before it runs), and
/// those of them still there after it (Synapse keeps a room's latest event, and its state).
/// </summary>
public sealed record PurgeCount(DateTimeOffset Before, long Events, long Bytes, long? Remaining = null)
{
    public long? Removed => Remaining is { } left ? Events - left : null;
}

/// <summary>
/// Which rooms make Synapse expensive, and the two remedies: purging old history and removing a room.
/// Synapse's memory follows the size of the rooms its users are in, not the number of users, so a huge
/// federated room joined by one local user is the usual culprit; the list makes it stand out.
/// </summary>
public sealed partial class RoomsService(
    HomeserverAccess homeserver,
    Panel.Domain.Containers.IContainerRuntime docker,
    HomeserverNames names,
    HomeserverFiguresCollector figures,
    Storage.PurgeCounter purges,
    MetricsStore metrics,
    IAuditLog audit,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<RoomsService> logger)
{
    public const int MaxLimit = 500;
    private readonly ConcurrentDictionary<Guid, RoomOperation> _operations = new();
    private DateTimeOffset _analyzedAt = DateTimeOffset.MinValue;

    public event Action<RoomOperation>? OperationChanged;

    public IReadOnlyList<RoomOperation> Operations => _operations.Values.OrderByDescending(o => o.StartedAt).ToList();

    public RoomOperation? GetOperation(Guid id) => _operations.TryGetValue(id, out var op) ? op : null;

    public async Task<RoomList> ListAsync(string? orderBy, int from, int limit, CancellationToken cancellationToken, string? search = null)
    {
        if (limit is < 1 or > MaxLimit || from < 0)
        {
            throw new DomainException($"limit must be between 1 and {MaxLimit}, and from at least 0.");
        }

        var order = (orderBy ?? "stateEvents") switch
        {
            "stateEvents" => "state_events",
            "joinedMembers" => "joined_members",
            "localMembers" => "joined_local_members",
            "size" => "size",
            _ => throw new DomainException("orderBy must be stateEvents, joinedMembers, localMembers or size."),
        };

        if (search is { Length: > 255 })
        {
            throw new DomainException("The search text is too long.");
        }

        var admin = await homeserver.GetAdminAsync(cancellationToken);
        await RefreshPlannerStatisticsAsync(cancellationToken);
        var sizes = await admin.GetRoomDatabaseSizesAsync(cancellationToken);
        List<RoomCost> rooms;
        int total;
        if (order == "size")
        {
            if (sizes is null)
            {
                throw new DomainException("Room sizes are only known when Synapse uses PostgreSQL. Order by state events instead: they follow the size closely.");
            }

            // Synapse cannot sort by size itself: take the rooms it reports sizes for, biggest first.
            var all = await admin.ListRoomsAsync("state_events", false, 0, MaxLimit, cancellationToken, search);
            rooms = all.Rooms.Select(r => ToCost(r, sizes)).OrderByDescending(r => r.DatabaseBytes ?? 0).Skip(from).Take(limit).ToList();
            total = all.Total;
        }
        else
        {
            // Synapse's own order for these counts is already largest first ("dir=f").
            var page = await admin.ListRoomsAsync(order, false, from, limit, cancellationToken, search);
            rooms = page.Rooms.Select(r => ToCost(r, sizes)).ToList();
            total = page.Total;
        }

        return new RoomList(rooms, total, sizes is not null, orderBy ?? "stateEvents");
    }

    /// <summary>How many rooms the server has: one cheap call, for pages that reload when it changes.</summary>
    public Task<int> CountAsync(CancellationToken cancellationToken) => figures.CountRoomsAsync(cancellationToken);

    /// <summary>The time a purge goes up to: the one given, or now less some days.</summary>
    public DateTimeOffset PurgePoint(DateTimeOffset? before, int olderThanDays) =>
        before ?? (olderThanDays is < 0 or > 3650
            ? throw new DomainException("olderThanDays must be between 0 and 3650.")
            : clock.GetUtcNow().AddDays(-olderThanDays));

    /// <summary>
    /// Purges a room's history sent before a time (this server's users' messages are kept unless
    /// <paramref name="deleteLocalEvents"/>); the events it will remove are counted first, and again after.
    /// </summary>
    public async Task<RoomOperation> StartPurgeAsync(string roomId, DateTimeOffset before, bool deleteLocalEvents, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, d, plan) = await PlanPurgeAsync(roomId, before, deleteLocalEvents, cancellationToken);
        var measured = await MeasureAsync(cancellationToken);
        var purgeId = await admin.StartPurgeHistoryAsync(roomId, plan is null ? PurgeUpTo.Received(before) : PurgeUpTo.Event(plan.EventId), deleteLocalEvents, cancellationToken);
        var count = plan?.Count ?? new PurgeCount(before, 0, 0);
        var operation = Track("purge-history", roomId, measured) with { Purge = count };
        Update(operation);
        await audit.RecordAsync(actor, "room.purge-history", roomId, AuditOutcome.Success,
            $"sent before {before:yyyy-MM-dd HH:mm} UTC{(deleteLocalEvents ? ", including local users' messages" : "")}: about {count.Events:N0} event(s)", cancellationToken);
        _ = PollAsync(operation, () => admin.GetPurgeStatusAsync(purgeId, lifetime.ApplicationStopping), "complete", actor,
            plan is null ? null : async ct => await purges.CountAsync(d, roomId, before, plan.Depth, deleteLocalEvents, ct));
        return operation;
    }

    /// <summary>What a purge would remove (a dry run): the events sent before the time, and their bytes.</summary>
    public async Task<PurgeCount> EstimatePurgeAsync(string roomId, DateTimeOffset before, bool deleteLocalEvents, CancellationToken cancellationToken) =>
        (await PlanPurgeAsync(roomId, before, deleteLocalEvents, cancellationToken)).Plan?.Count ?? new PurgeCount(before, 0, 0);

    // A homeserver the panel runs is planned in its database, by the dates messages were sent; an
    // attached one only through Synapse's purge by time, which goes by when events arrived here.
    private async Task<(IHomeserverAdmin Admin, HomeserverDeployment Deployment, Storage.PurgePlan? Plan)> PlanPurgeAsync(
        string roomId, DateTimeOffset before, bool deleteLocalEvents, CancellationToken cancellationToken)
    {
        ValidateRoomId(roomId);
        if (before > clock.GetUtcNow())
        {
            throw new DomainException($"The purge date {before:yyyy-MM-dd HH:mm} UTC is in the future: history can only be purged up to now.");
        }

        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        if (d.Mode == HomeserverMode.Managed)
        {
            return (admin, d, await purges.PlanAsync(d, roomId, before, deleteLocalEvents, cancellationToken));
        }

        if (await CreatedAsync(admin, roomId, cancellationToken) is { } created && before <= created)
        {
            throw new DomainException($"The purge date {before:yyyy-MM-dd HH:mm} UTC is before the room existed here (it was created {created:yyyy-MM-dd HH:mm} UTC): there is nothing to purge.");
        }

        return (admin, d, null);
    }

    /// <summary>Removes a room from the server: every local member leaves, and its history is purged.</summary>
    public async Task<RoomOperation> StartDeleteAsync(string roomId, bool block, AuditActor actor, CancellationToken cancellationToken)
    {
        ValidateRoomId(roomId);
        var admin = await homeserver.GetAdminAsync(cancellationToken);
        var before = await MeasureAsync(cancellationToken);
        var deleteId = await admin.StartDeleteRoomAsync(roomId, block, purge: true, cancellationToken);
        var operation = Track("delete-room", roomId, before);
        await audit.RecordAsync(actor, "room.deleted", roomId, AuditOutcome.Success, block ? "and blocked from being joined again" : null, cancellationToken);
        _ = PollAsync(operation, () => admin.GetDeleteStatusAsync(deleteId, lifetime.ApplicationStopping), "complete", actor);
        return operation;
    }

    // Synapse estimates room sizes from PostgreSQL's planner statistics, which a young database may
    // not have yet. For the PostgreSQL the panel runs, it refreshes them (at most hourly) first.
    private async Task RefreshPlannerStatisticsAsync(CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - _analyzedAt < TimeSpan.FromHours(1))
        {
            return;
        }

        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Mode: HomeserverMode.Managed, Database: HomeserverDatabase.Postgres })
        {
            return;
        }

        try
        {
            await docker.ExecAsync(names.Postgres, PostgresCommands.Sql(
                "ANALYZE event_json, events, event_search, event_edges, event_push_actions, stream_ordering_to_exterm, state_groups_state"), null, cancellationToken);
            _analyzedAt = clock.GetUtcNow();
        }
        catch (Exception e) when (e is DomainException or Panel.Domain.Containers.ContainerRuntimeUnavailableException)
        {
            LogFailed(logger, "analyze", "-", e.Message);
        }
    }

    private static async Task<DateTimeOffset?> CreatedAsync(IHomeserverAdmin admin, string roomId, CancellationToken cancellationToken)
    {
        var create = (await admin.GetRoomStateAsync(roomId, cancellationToken)).FirstOrDefault(e => RoomPower.Str(e, "type") == "m.room.create");
        return create?["origin_server_ts"] is System.Text.Json.Nodes.JsonValue ts && ts.TryGetValue<long>(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    private RoomOperation Track(string kind, string roomId, BeforeAfter before)
    {
        var operation = new RoomOperation(Guid.NewGuid(), kind, roomId, "active", clock.GetUtcNow(), null, before, null, null);
        _operations[operation.Id] = operation;
        OperationChanged?.Invoke(operation);
        return operation;
    }

    private async Task PollAsync(RoomOperation operation, Func<Task<string>> status, string done, AuditActor actor, Func<CancellationToken, Task<PurgeCount>>? recount = null)
    {
        var current = operation;
        try
        {
            var deadline = clock.GetUtcNow().AddHours(2);
            while (clock.GetUtcNow() < deadline)
            {
                var state = await status();
                if (state != current.Status)
                {
                    current = current with { Status = state };
                    Update(current);
                }

                if (state == done)
                {
                    var after = await MeasureAsync(lifetime.ApplicationStopping, refresh: true);
                    var purge = current.Purge is { } planned && recount is not null
                        ? planned with { Remaining = (await recount(lifetime.ApplicationStopping)).Events }
                        : current.Purge;
                    Update(current with { FinishedAt = clock.GetUtcNow(), After = after, Purge = purge });
                    return;
                }

                if (state == "failed")
                {
                    throw new DomainException("The homeserver reported that the operation failed; its log has the reason.");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), lifetime.ApplicationStopping);
            }

            throw new DomainException("The operation did not finish within two hours.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, operation.Kind, operation.RoomId, ex.Message);
            Update(current with { Status = "failed", FinishedAt = clock.GetUtcNow(), Error = ex.Message });
            await audit.RecordAsync(actor, "room." + operation.Kind, operation.RoomId, AuditOutcome.Failure, ex.Message, CancellationToken.None);
        }
    }

    private void Update(RoomOperation operation)
    {
        _operations[operation.Id] = operation;
        OperationChanged?.Invoke(operation);
    }

    private async Task<BeforeAfter> MeasureAsync(CancellationToken cancellationToken, bool refresh = true)
    {
        var f = await figures.GetAsync(refresh, cancellationToken);
        var memory = metrics.Latest().FirstOrDefault(l => l.Series.Key == Domain.Containers.ContainerComponents.Homeserver)?.Sample.MemoryBytes;
        return new BeforeAfter(f.DatabaseBytes, memory);
    }

    private static void ValidateRoomId(string roomId)
    {
        if (string.IsNullOrWhiteSpace(roomId) || roomId[0] != '!' || !roomId.Contains(':', StringComparison.Ordinal) || roomId.Length > 255)
        {
            throw new DomainException($"'{roomId}' is not a room ID like !abc:example.org.");
        }
    }

    private static RoomCost ToCost(RoomInfo r, IReadOnlyDictionary<string, long>? sizes)
    {
        var remote = Math.Max(0, r.JoinedMembers - r.JoinedLocalMembers);
        // The typical memory sink: a big federated room that only one or two of our users are in.
        var sink = r.JoinedLocalMembers <= 2 && (remote >= 100 || r.StateEvents >= 5000);
        long? size = sizes is not null && sizes.TryGetValue(r.RoomId, out var bytes) ? bytes : null;
        return new RoomCost(r.RoomId, r.Name, r.CanonicalAlias, r.JoinedMembers, r.JoinedLocalMembers, remote, r.StateEvents, size,
            r.Federatable, r.RoomType == "m.space", sink);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room operation {Kind} on {RoomId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string kind, string roomId, string error);
}
