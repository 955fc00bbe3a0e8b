namespace Panel.Domain.Capacity;

/// <summary>
/// What drives Synapse's memory, as the panel snapshots it: the current state of the rooms local
/// users are joined to (state events and joined members, summed over those rooms), and the users
/// active in the last 30 days with their devices.
/// </summary>
public sealed record ServerShape(long Rooms, long StateEvents, long Members, long ActiveUsers, long Devices, long LocalMembers = 0)
{
    public static ServerShape Empty { get; } = new(0, 0, 0, 0, 0);

    public ServerShape Plus(ServerShape other) => new(Rooms + other.Rooms, StateEvents + other.StateEvents, Members + other.Members,
        ActiveUsers + other.ActiveUsers, Devices + other.Devices, LocalMembers + other.LocalMembers);

    /// <summary>How many of these rooms an active user is in, on average (local memberships over active users).</summary>
    public double RoomsPerUser => ActiveUsers == 0 ? 0 : Math.Min(Rooms, LocalMembers / (double)ActiveUsers);

    /// <summary>
    /// One more person like the current ones: they join as many of the existing rooms as an active
    /// user is in on average (each join is a member and a state event), with as many devices.
    /// </summary>
    public ServerShape OneMoreUserLikeTheOthers(double roomsPerUser)
    {
        var joins = (long)Math.Round(roomsPerUser);
        var devices = ActiveUsers == 0 ? 1 : (long)Math.Max(1, Math.Round(Devices / (double)ActiveUsers));
        return new ServerShape(0, joins, joins, 1, devices, joins);
    }
}

/// <summary>A snapshot's shape and Synapse's memory at the time, under one set of memory settings.</summary>
public sealed record ShapeSample(DateTimeOffset Time, ServerShape Shape, long MemoryBytes);
