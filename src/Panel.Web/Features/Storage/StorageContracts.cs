using Panel.Domain.Homeserver;
using Panel.Domain.Storage;

namespace Panel.Web.Features.Storage;

/// <summary>Where the homeserver's bytes are: the Storage page and GET /api/v1/storage.</summary>
public sealed record StorageReport(
    DateTimeOffset MeasuredAt,
    string Database,
    long DatabaseBytes,
    IReadOnlyList<DatabaseTable> Tables,
    IReadOnlyList<RoomStorage> Rooms,
    bool RoomSizesEstimated,
    IReadOnlyList<RoomStorage> AbandonedRooms,
    MediaReport Media,
    IReadOnlyList<UserMediaUsage> MediaByUser,
    StorageGrowth Growth,
    BackgroundUpdatesReport BackgroundUpdates,
    IReadOnlyList<string> Problems);

public sealed record RoomStorage(string RoomId, string? Name, string? Alias, long Bytes, int JoinedMembers, int LocalMembers);

/// <summary>Synapse's records of media (files and bytes it was told) and what the media store holds on disk.</summary>
public sealed record MediaReport(
    long LocalFiles,
    long LocalBytes,
    long RemoteFiles,
    long RemoteBytes,
    DateTimeOffset? RemoteOldest,
    DateTimeOffset? RemoteLeastRecentlyUsed,
    long StoreBytesOnDisk,
    long RemoteBytesOnDisk,
    IReadOnlyDictionary<string, long> Folders);

/// <summary>Growth a day over the last 30 days of the panel's capacity snapshots; null until they span half a day.</summary>
public sealed record StorageGrowth(double? DatabaseBytesPerDay, double? MediaBytesPerDay, int Snapshots, long? DiskFreeBytes, long? DiskTotalBytes, double? DaysUntilFull,
    IReadOnlyList<SizePoint> History);

/// <summary>One capacity snapshot's sizes, for the trend chart.</summary>
public sealed record SizePoint(DateTimeOffset Time, long? DatabaseBytes, long? MediaBytes);

/// <summary>
/// The database's background updates: <c>StateGroupCleanupDone</c> says whether Synapse's removal of
/// unreferenced state groups (1.128 and later) has finished, null when this Synapse does not queue it.
/// </summary>
public sealed record BackgroundUpdatesReport(bool Enabled, IReadOnlyList<string> Running, IReadOnlyList<string> Pending, bool StateGroupCleanupDone);

/// <summary>Rooms to remove (each must have no local member left); <c>Confirm</c> must be true.</summary>
public sealed record AbandonedRoomsRequest(IReadOnlyList<string> RoomIds, bool Confirm = false);

public sealed record RemoteMediaPurgeRequest(int OlderThanDays, bool DryRun = false);

/// <summary>A dry run's figure (Synapse's records of what would go), or a purge's: deleted files, and the measured change on disk.</summary>
public sealed record RemoteMediaPurgeResult(DateTimeOffset Before, long Files, long EstimatedBytes, int? Deleted, long? DiskBytesBefore, long? DiskBytesAfter)
{
    public long? FreedBytes => DiskBytesBefore is { } b && DiskBytesAfter is { } a ? b - a : null;
}
