namespace Panel.Testing.Workload;

/// <summary>
/// The shape of a workload: how many users and rooms, how large the rooms are (members and state
/// events), how many clients long-poll /sync, and how fast messages are sent. Bounded both in time
/// (<see cref="Duration"/>) and in count (<see cref="MaxMessages"/>).
/// </summary>
public sealed record WorkloadSettings(
    int Users,
    int Rooms,
    int MembersPerRoom,
    int StateEventsPerRoom,
    int Syncers,
    double MessagesPerSecond,
    TimeSpan Duration,
    int MaxMessages,
    int Seed = 17)
{
    /// <summary>A small population for tests: a few users in a few small rooms, a minute at most.</summary>
    public static WorkloadSettings Light { get; } = new(Users: 12, Rooms: 3, MembersPerRoom: 8, StateEventsPerRoom: 50, Syncers: 4,
        MessagesPerSecond: 4, Duration: TimeSpan.FromSeconds(30), MaxMessages: 200);

    /// <summary>
    /// Enough to take Synapse to a few hundred MiB within minutes on two cores, so that memory
    /// profiles show a difference. What makes Synapse's memory grow is the size of the rooms its
    /// users are in (measured: 6 rooms of 1,200 state events and 30 members cost the same at cache
    /// factor 0.5 and 0.05; 2 rooms of 1,500 members did not), so: two rooms that every user is in,
    /// clients that sync them, and a steady stream of messages, each of which Synapse fans out to
    /// every member (push rules, notifications).
    /// </summary>
    public static WorkloadSettings Heavy { get; } = new(Users: 1500, Rooms: 2, MembersPerRoom: 1500, StateEventsPerRoom: 50, Syncers: 20,
        MessagesPerSecond: 2, Duration: TimeSpan.FromMinutes(2), MaxMessages: 2_000);

    /// <summary>
    /// Changes some of <paramref name="defaults"/> from "users=1500,rooms=2,members=1500,state=50,
    /// syncers=20,rate=2,seconds=120,messages=2000" (any subset, in any order).
    /// </summary>
    public static WorkloadSettings Parse(string? text, WorkloadSettings defaults)
    {
        var s = defaults;
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = (pair.Split('=')[0], double.Parse(pair.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
            s = key switch
            {
                "users" => s with { Users = (int)value },
                "rooms" => s with { Rooms = (int)value },
                "members" => s with { MembersPerRoom = (int)value },
                "state" => s with { StateEventsPerRoom = (int)value },
                "syncers" => s with { Syncers = (int)value },
                "rate" => s with { MessagesPerSecond = value },
                "seconds" => s with { Duration = TimeSpan.FromSeconds(value) },
                "messages" => s with { MaxMessages = (int)value },
                _ => throw new ArgumentException($"Unknown workload setting '{key}'."),
            };
        }

        s.Validate();
        return s;
    }

    public void Validate()
    {
        if (Users < 2 || Rooms < 1 || MembersPerRoom < 1 || MembersPerRoom > Users || StateEventsPerRoom < 0 || Syncers < 1 || Syncers > Users)
        {
            throw new ArgumentException($"A workload needs at least two users, a room, members within the users and syncers within the users: {this}");
        }

        if (MessagesPerSecond is <= 0 or > 1000 || Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(1) || MaxMessages < 1)
        {
            throw new ArgumentException($"A workload is bounded: a rate up to 1000 messages/s, at most an hour, at least one message: {this}");
        }
    }
}
