using Panel.Domain.Capacity;
using Panel.Domain.Homeserver;

namespace Panel.Web.Features.Capacity;

/// <summary>Reads the server's shape through the admin API: the rooms local users are in, and who was active in the last 30 days.</summary>
public static class ShapeReader
{
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromDays(30);
    private const int PageSize = 500;
    private const int MaxPages = 40;

    /// <summary>The shape now. The panel's own admin account (<paramref name="panelAdmin"/>) is "seen" whenever the panel works, and is nobody's friend: it is not counted.</summary>
    public static async Task<ServerShape> ReadAsync(IHomeserverAdmin admin, string? panelAdmin, DateTimeOffset now, int maxUsersForDevices, CancellationToken cancellationToken)
    {
        long rooms = 0, state = 0, members = 0, local = 0;
        // Largest first (Synapse's order for counts): the rooms with local members come before the rest.
        for (var page = 0; page < MaxPages; page++)
        {
            var batch = await admin.ListRoomsAsync("joined_local_members", false, page * PageSize, PageSize, cancellationToken);
            var joined = batch.Rooms.Where(r => r.JoinedLocalMembers > 0).ToList();
            rooms += joined.Count;
            state += joined.Sum(r => r.StateEvents);
            members += joined.Sum(r => (long)r.JoinedMembers);
            local += joined.Sum(r => (long)r.JoinedLocalMembers);
            if (joined.Count < batch.Rooms.Count || batch.Rooms.Count < PageSize)
            {
                break;
            }
        }

        var active = await ActiveUsersAsync(admin, now - ActiveWindow, panelAdmin, cancellationToken);
        long devices = 0;
        foreach (var user in active.Take(maxUsersForDevices))
        {
            devices += (await admin.ListDevicesAsync(user, cancellationToken)).Count;
        }

        if (active.Count > maxUsersForDevices && maxUsersForDevices > 0)
        {
            devices = (long)Math.Round(devices / (double)maxUsersForDevices * active.Count);
        }

        return new ServerShape(rooms, state, members, active.Count, devices, local);
    }

    /// <summary>
    /// People seen since <paramref name="since"/> (by the homeserver, from their clients), newest
    /// first. The admin API has no such count, but it sorts users by when they were last seen:
    /// counting down that list until someone was last seen earlier gives it. Guests, bridges' users
    /// and the panel's own account are not people.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ActiveUsersAsync(IHomeserverAdmin admin, DateTimeOffset since, string? panelAdmin, CancellationToken cancellationToken)
    {
        var active = new List<string>();
        var from = 0;
        for (var page = 0; page < MaxPages; page++)
        {
            var users = await admin.ListUsersAsync(new UserQuery(from, 100, OrderBy: "last_seen_ts", Descending: true, IncludeGuests: false), cancellationToken);
            foreach (var u in users.Users)
            {
                if (u.LastSeenAt is not { } seen || seen < since)
                {
                    return active;
                }

                if (u.AppServiceId is null && !u.Deactivated && u.UserId != panelAdmin)
                {
                    active.Add(u.UserId);
                }
            }

            if (users.NextFrom is not { } next)
            {
                break;
            }

            from = next;
        }

        return active;
    }
}
