using System.Text.Json.Nodes;

namespace Panel.Domain.Homeserver;

/// <summary>Who may do what in a room, read from its state as the Matrix spec says.</summary>
public static class RoomPower
{
    /// <summary>
    /// The joined local member with the most power, if that is enough to send the state event
    /// <paramref name="eventType"/>; null when no local member may.
    /// </summary>
    public static string? StrongestLocalMember(IEnumerable<JsonObject> state, string serverName, string eventType)
    {
        var events = state.ToList();
        var create = Find(events, "m.room.create", "");
        var power = Find(events, "m.room.power_levels", "")?["content"] as JsonObject;
        var creators = Creators(create);
        var required = power is null ? 0 : Level(power["events"]?[eventType]) ?? Level(power["state_default"]) ?? 50;

        long? LevelOf(string user)
        {
            // Room version 12 gives its creators a power above every level.
            if (creators.Infinite && creators.Users.Contains(user))
            {
                return long.MaxValue;
            }

            if (power is null)
            {
                return creators.Users.Contains(user) ? 100 : 0;
            }

            return Level(power["users"]?[user]) ?? Level(power["users_default"]) ?? 0;
        }

        return events
            .Where(e => Str(e, "type") == "m.room.member" && Str(e["content"] as JsonObject, "membership") == "join")
            .Select(e => Str(e, "state_key"))
            .OfType<string>()
            .Where(u => u.EndsWith(":" + serverName, StringComparison.Ordinal))
            .Select(u => (User: u, Level: LevelOf(u) ?? 0))
            .Where(m => m.Level >= required)
            .OrderByDescending(m => m.Level).ThenBy(m => m.User, StringComparer.Ordinal)
            .Select(m => m.User)
            .FirstOrDefault();
    }

    private static (HashSet<string> Users, bool Infinite) Creators(JsonObject? create)
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        if (create is null)
        {
            return (users, false);
        }

        if (Str(create, "sender") is { } sender)
        {
            users.Add(sender);
        }

        var content = create["content"] as JsonObject;
        if (content?["additional_creators"] is JsonArray more)
        {
            foreach (var u in more.OfType<JsonValue>())
            {
                if (u.TryGetValue<string>(out var id))
                {
                    users.Add(id);
                }
            }
        }

        return (users, Str(content, "room_version") == "12");
    }

    private static JsonObject? Find(IEnumerable<JsonObject> events, string type, string stateKey) =>
        events.FirstOrDefault(e => Str(e, "type") == type && Str(e, "state_key") == stateKey);

    // Old rooms may hold levels as strings ("50"); numbers parsed or built in code read alike through their JSON.
    private static long? Level(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.String
        && long.TryParse(v.ToJsonString().Trim('"'), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : null;

    /// <summary>A string field of an event (or of its content), null when absent or not a string.</summary>
    public static string? Str(JsonObject? e, string name) => e?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
