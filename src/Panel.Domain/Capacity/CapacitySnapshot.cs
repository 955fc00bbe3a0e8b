namespace Panel.Domain.Capacity;

/// <summary>
/// What the server looked like at one time, beside Synapse's memory then: the shape that drives
/// the memory (rooms, state, members, active users, devices), the disk, the load, and the memory
/// settings in force (the model is fitted on snapshots under the same settings).
/// </summary>
public sealed class CapacitySnapshot
{
    /// <summary>Snapshots are kept this long: a year of history, and the month before.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(400);

    private CapacitySnapshot() { }

    public long Id { get; private set; }

    public DateTimeOffset Time { get; private set; }

    /// <summary>The memory settings in force, in words (<c>MemoryProfiles.Describe</c>).</summary>
    public string Settings { get; private set; } = "";

    public long Rooms { get; private set; }

    public long StateEvents { get; private set; }

    public long Members { get; private set; }

    /// <summary>Of the members, this server's own users (an active user's rooms are these over the active users).</summary>
    public long LocalMembers { get; private set; }

    public long ActiveUsers { get; private set; }

    public long Devices { get; private set; }

    /// <summary>Synapse's median memory over the minutes before the snapshot; null when it was not sampled.</summary>
    public long? MemoryBytes { get; private set; }

    public long? DatabaseBytes { get; private set; }

    public long? MediaBytes { get; private set; }

    public long? DiskUsedBytes { get; private set; }

    public long? DiskTotalBytes { get; private set; }

    public double? Load1 { get; private set; }

    public ServerShape Shape => new(Rooms, StateEvents, Members, ActiveUsers, Devices, LocalMembers);

    public static CapacitySnapshot Take(DateTimeOffset time, string settings, ServerShape shape, long? memoryBytes, long? databaseBytes, long? mediaBytes,
        long? diskUsedBytes, long? diskTotalBytes, double? load1) => new()
    {
        Time = time,
        Settings = settings.Length > 500 ? settings[..500] : settings,
        Rooms = shape.Rooms,
        StateEvents = shape.StateEvents,
        Members = shape.Members,
        LocalMembers = shape.LocalMembers,
        ActiveUsers = shape.ActiveUsers,
        Devices = shape.Devices,
        MemoryBytes = memoryBytes,
        DatabaseBytes = databaseBytes,
        MediaBytes = mediaBytes,
        DiskUsedBytes = diskUsedBytes,
        DiskTotalBytes = diskTotalBytes,
        Load1 = load1,
    };
}
