using Panel.Domain.Capacity;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Capacity;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Storage;

/// <summary>
/// The Storage page's figures, read from the homeserver's real database, media store and admin API,
/// and the remote media purge. Readings are kept a minute: dbstat reads every page of a SQLite file.
/// </summary>
public sealed partial class StorageService(
    HomeserverAccess homeserver,
    StorageInspector inspector,
    RoomsService rooms,
    CapacitySnapshots snapshots,
    HostFiguresReader host,
    HomeserverOperations operations,
    TimeProvider clock,
    ILogger<StorageService> logger)
{
    public const int RoomCount = 10;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private static readonly string[] RemoteFolders = ["remote_content", "remote_thumbnail"];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StorageReport? _cached;

    /// <summary>The last purge's figures (a dry run's are not kept).</summary>
    public RemoteMediaPurgeResult? LastPurge { get; private set; }

    public async Task<StorageReport> ReportAsync(bool refresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!refresh && _cached is { } c && clock.GetUtcNow() - c.MeasuredAt < MaxAge)
            {
                return c;
            }

            return _cached = await MeasureAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Purges the cached copies of other servers' media not used for some days. A dry run returns
    /// Synapse's records of what would go; a purge runs as an operation that measures the media store
    /// before and after, so that the saving shown is the one measured.
    /// </summary>
    public async Task<RemoteMediaPurgeResult> PurgeRemoteMediaAsync(RemoteMediaPurgeRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        if (request.OlderThanDays is < 0 or > 3650)
        {
            throw new DomainException("olderThanDays must be between 0 (all cached remote media) and 3650.");
        }

        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var before = clock.GetUtcNow().AddDays(-request.OlderThanDays);
        var (files, bytes) = await inspector.RemoteMediaBeforeAsync(d, before, cancellationToken);
        var estimate = new RemoteMediaPurgeResult(before, files, bytes, null, null, null);
        if (request.DryRun)
        {
            return estimate;
        }

        // Not awaited: a purge of thousands of files outlasts a request; its steps show how far it is.
        _ = operations.Start("storage.purge-remote-media", [("measure", "Measure the media store"), ("purge", "Purge cached remote media"), ("after", "Measure again")],
            async (progress, ct) =>
            {
                progress.Start("measure");
                var diskBefore = RemoteBytes(await inspector.MediaFoldersAsync(ct));
                progress.Done("measure", $"{new ByteSize(diskBefore)} of remote media on disk; {files:N0} file(s), {new ByteSize(bytes)}, unused since {before:yyyy-MM-dd}");
                progress.Start("purge");
                var deleted = await admin.PurgeRemoteMediaCacheAsync(before, ct);
                progress.Done("purge", $"{deleted:N0} file(s) deleted");
                progress.Start("after");
                var diskAfter = RemoteBytes(await inspector.MediaFoldersAsync(ct));
                LastPurge = estimate with { Deleted = deleted, DiskBytesBefore = diskBefore, DiskBytesAfter = diskAfter };
                progress.Done("after", $"{new ByteSize(diskAfter)} left");
                progress.Outcome($"{deleted:N0} file(s) unused since {before:yyyy-MM-dd}; {new ByteSize(diskBefore - diskAfter)} freed (estimated {new ByteSize(bytes)})");
                _cached = null;
            },
            subject: "remote media",
            audit: new OperationAudit(actor, "storage.purge-remote-media", "remote media", $"unused for {request.OlderThanDays} day(s)"));
        return estimate;
    }

    private async Task<StorageReport> MeasureAsync(CancellationToken cancellationToken)
    {
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var problems = new List<string>();
        var tables = await inspector.TablesAsync(d, cancellationToken);
        var size = await inspector.DatabaseSizeAsync(d, cancellationToken);
        var (rooms, estimated) = await RoomsAsync(admin, d, cancellationToken);
        var abandoned = await AbandonedAsync(admin, d, cancellationToken);
        var media = await inspector.MediaAsync(d, cancellationToken);
        var folders = await inspector.MediaFoldersAsync(cancellationToken);
        IReadOnlyList<UserMediaUsage> byUser = [];
        try
        {
            byUser = await admin.ListMediaUsageAsync(RoomCount, cancellationToken);
        }
        catch (HomeserverException e)
        {
            problems.Add("Media by user could not be read: " + e.Message);
        }

        return new StorageReport(clock.GetUtcNow(), d.Database == HomeserverDatabase.Postgres ? "postgres" : "sqlite", size, tables, rooms, estimated, abandoned,
            new MediaReport(media.LocalFiles, media.LocalBytes, media.RemoteFiles, media.RemoteBytes, media.RemoteOldest, media.RemoteLeastRecentlyUsed,
                folders.Values.Sum(), RemoteBytes(folders), folders),
            byUser, await GrowthAsync(cancellationToken), await BackgroundUpdatesAsync(admin, d, problems, cancellationToken), problems);
    }

    private async Task<(IReadOnlyList<RoomStorage> Rooms, bool Estimated)> RoomsAsync(IHomeserverAdmin admin, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (d.Database == HomeserverDatabase.Postgres)
        {
            try
            {
                // Synapse's own estimate (statistics/database/rooms), with the planner statistics it needs kept fresh.
                var sized = await rooms.ListAsync("size", 0, RoomCount, cancellationToken);
                return (sized.Rooms.Select(r => new RoomStorage(r.RoomId, r.Name, r.Alias, r.DatabaseBytes ?? 0, r.JoinedMembers, r.LocalMembers)).ToList(), false);
            }
            catch (DomainException)
            {
                // Synapse's estimate fails on a young database (a large table still without
                // statistics): the panel's own estimate stands in, labelled as one.
            }
        }

        // Synapse sizes rooms on PostgreSQL only; otherwise the panel adds up the rooms' event JSON.
        var largest = await inspector.RoomEstimatesAsync(d, RoomCount, cancellationToken);
        var known = (await admin.ListRoomsAsync("state_events", false, 0, RoomsService.MaxLimit, cancellationToken)).Rooms.ToDictionary(r => r.RoomId, StringComparer.Ordinal);
        return (largest.Select(r => known.TryGetValue(r.RoomId, out var info)
            ? new RoomStorage(r.RoomId, info.Name, info.CanonicalAlias, r.Bytes, info.JoinedMembers, info.JoinedLocalMembers)
            : new RoomStorage(r.RoomId, null, null, r.Bytes, 0, 0)).ToList(), true);
    }

    /// <summary>
    /// Rooms no member of this server is in any more (synapse#17812: Synapse keeps them, and keeps
    /// receiving nothing for them, forever). Synapse orders by local members, fewest first when reversed.
    /// </summary>
    public async Task<IReadOnlyList<RoomStorage>> AbandonedAsync(IHomeserverAdmin admin, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var page = await admin.ListRoomsAsync("joined_local_members", true, 0, RoomsService.MaxLimit, cancellationToken);
        var empty = page.Rooms.Where(r => r.JoinedLocalMembers == 0).ToList();
        var bytes = await inspector.RoomBytesAsync(d, empty.Select(r => r.RoomId).ToList(), cancellationToken);
        return empty.Select(r => new RoomStorage(r.RoomId, r.Name, r.CanonicalAlias, bytes.TryGetValue(r.RoomId, out var b) ? b : 0, r.JoinedMembers, 0))
            .OrderByDescending(r => r.Bytes).ToList();
    }

    /// <summary>Removes rooms nobody here is in (checked again for each), each audited; the others are untouched.</summary>
    public async Task<IReadOnlyList<Monitoring.RoomOperation>> RemoveAbandonedAsync(AbandonedRoomsRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        if (request.RoomIds is not { Count: > 0 and <= RoomsService.MaxLimit })
        {
            throw new DomainException($"Give between 1 and {RoomsService.MaxLimit} room IDs.");
        }

        if (!request.Confirm)
        {
            throw new DomainException($"{request.RoomIds.Count} room(s) and their history will be removed from this server. Send confirm: true to remove them.");
        }

        var admin = await homeserver.GetAdminAsync(cancellationToken);
        foreach (var id in request.RoomIds)
        {
            var room = await admin.FindRoomAsync(id, cancellationToken);
            if (room is null || room.StateEstimated)
            {
                throw new NotFoundException($"This server holds no room {id}. Nothing was removed.");
            }

            if (room.JoinedLocalMembers > 0)
            {
                throw new DomainException($"{room.Name ?? id} has {room.JoinedLocalMembers} member(s) of this server: it is not abandoned. Nothing was removed.");
            }
        }

        var started = new List<Monitoring.RoomOperation>();
        foreach (var id in request.RoomIds)
        {
            started.Add(await rooms.StartDeleteAsync(id, block: false, actor, cancellationToken));
        }

        _cached = null;
        return started;
    }

    public async Task<StorageGrowth> GrowthAsync(CancellationToken cancellationToken)
    {
        var recent = await snapshots.SinceAsync(clock.GetUtcNow().AddDays(-30), cancellationToken);
        var database = Headroom.GrowthPerDay([.. recent.Where(s => s.DatabaseBytes is not null).Select(s => new SizeReading(s.Time, s.DatabaseBytes!.Value))]);
        var media = Headroom.GrowthPerDay([.. recent.Where(s => s.MediaBytes is not null).Select(s => new SizeReading(s.Time, s.MediaBytes!.Value))]);
        var disk = Headroom.GrowthPerDay([.. recent.Where(s => s.DiskUsedBytes is not null).Select(s => new SizeReading(s.Time, s.DiskUsedBytes!.Value))]);
        var machine = host.Read();
        double? daysUntilFull = disk is > 0 and var g && machine.DiskFreeBytes is { } free ? free / g : null;
        // At most about 120 points: a chart of a month needs no more than a few a day.
        var every = Math.Max(1, recent.Count / 120);
        var history = recent.Where((_, i) => i % every == 0).Select(s => new SizePoint(s.Time, s.DatabaseBytes, s.MediaBytes)).ToList();
        return new StorageGrowth(database, media, recent.Count, machine.DiskFreeBytes, machine.DiskTotalBytes, daysUntilFull, history);
    }

    private async Task<BackgroundUpdatesReport> BackgroundUpdatesAsync(IHomeserverAdmin admin, HomeserverDeployment d, List<string> problems, CancellationToken cancellationToken)
    {
        var pending = await inspector.PendingBackgroundUpdatesAsync(d, cancellationToken);
        var status = new BackgroundUpdateStatus(true, []);
        try
        {
            status = await admin.GetBackgroundUpdatesAsync(cancellationToken);
        }
        catch (HomeserverException e)
        {
            LogBackgroundUpdatesUnread(logger, e.Message);
            problems.Add("Synapse did not say which background update it is running: " + e.Message);
        }

        // Synapse 1.128 queues the clean-up of unreferenced state groups as background updates whose
        // names say so; it is done once none of them is queued any more.
        var cleanupDone = !pending.Concat(status.Running).Any(n => n.Contains("unreferenced_state_groups", StringComparison.Ordinal));
        return new BackgroundUpdatesReport(status.Enabled, status.Running, pending, cleanupDone);
    }

    private static long RemoteBytes(IReadOnlyDictionary<string, long> folders) =>
        RemoteFolders.Sum(f => folders.TryGetValue(f, out var b) ? b : 0);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background update status could not be read: {Reason}")]
    private static partial void LogBackgroundUpdatesUnread(ILogger logger, string reason);
}
