namespace Panel.Domain.Storage;

/// <summary>One table of the homeserver's database with its indexes and TOAST: what it takes on disk.</summary>
public sealed record DatabaseTable(string Name, long Bytes, long? Rows)
{
    /// <summary>What the table holds, in words a server owner reads; null for tables not worth a name.</summary>
    public string? Meaning => SynapseTables.Describe(Name);
}

/// <summary>
/// Synapse's tables as people would name them. The ones listed are those that grow: issue reports of
/// bloated databases (synapse#2640, #3364) are nearly always state_groups_state and the event tables.
/// </summary>
public static class SynapseTables
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["state_groups_state"] = "room state history (who was in each room, names, permissions, at every point)",
        ["state_groups"] = "room state history: index of snapshots",
        ["state_group_edges"] = "room state history: links between snapshots",
        ["event_json"] = "message bodies (every event's full JSON)",
        ["events"] = "the timeline: one row per event",
        ["event_edges"] = "the timeline's links (each event's parents)",
        ["event_auth"] = "the timeline's permission links",
        ["event_auth_chains"] = "permission chains of room state",
        ["event_auth_chain_links"] = "permission chains of room state: links",
        ["event_search"] = "the search index of messages",
        ["event_relations"] = "replies, threads, edits and reactions",
        ["event_to_state_groups"] = "which room state each event saw",
        ["event_push_actions"] = "notification counts still unread",
        ["event_push_summary"] = "notification counts per room",
        ["current_state_events"] = "each room's state now",
        ["room_memberships"] = "every join, leave and invite",
        ["local_current_membership"] = "this server's users' rooms",
        ["receipts_linearized"] = "read receipts",
        ["receipts_graph"] = "read receipts (history)",
        ["stream_ordering_to_exterm"] = "timeline bookkeeping for federation",
        ["e2e_cross_signing_keys"] = "encryption: cross-signing keys",
        ["e2e_device_keys_json"] = "encryption: device keys",
        ["e2e_one_time_keys_json"] = "encryption: one-time keys",
        ["e2e_room_keys"] = "encryption: key backup",
        ["device_inbox"] = "messages waiting for a device (to-device)",
        ["device_federation_outbox"] = "device messages waiting for other servers",
        ["local_media_repository"] = "this server's uploads (records; the files are in the media store)",
        ["remote_media_cache"] = "copies of other servers' media (records)",
        ["user_ips"] = "where and when each user connected",
        ["users"] = "accounts",
        ["access_tokens"] = "sign-ins",
        ["devices"] = "devices of this server's users",
        ["presence_stream"] = "online status",
        ["server_keys_json"] = "other servers' signing keys",
        ["room_stats_state"] = "room statistics",
        ["redactions"] = "redacted (deleted) messages",
    };

    public static string? Describe(string table)
    {
        if (Names.TryGetValue(table, out var name))
        {
            return name;
        }

        // device_lists_stream, device_lists_outbound_pokes, device_lists_remote_cache, ...: the issue's
        // device_lists_* family grows with every device of every user anyone shares a room with.
        return table.StartsWith("device_lists_", StringComparison.Ordinal) ? "who has which devices (for encryption), shared with other servers"
            : table.StartsWith("e2e_", StringComparison.Ordinal) ? "encryption keys"
            : null;
    }
}
