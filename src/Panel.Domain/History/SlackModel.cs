namespace Panel.Domain.History;

/// <summary>A person of a Slack workspace, as its export lists them (users.json).</summary>
public sealed record SlackPerson(string Id, string Name, string? RealName, string? DisplayName, string? Email, bool Deleted, bool Bot, string? AvatarUrl)
{
    /// <summary>The name people knew them by: their display name, else their real name, else their handle.</summary>
    public string ShownName => !string.IsNullOrWhiteSpace(DisplayName) ? DisplayName : !string.IsNullOrWhiteSpace(RealName) ? RealName : Name;

    /// <summary>The Matrix localpart of their ghost: <c>slack_</c> and their Slack ID, lowercased (Matrix localparts are).</summary>
    public string GhostLocalpart => SlackNames.GhostLocalpart(Id);
}

public enum SlackChannelKind
{
    Public = 0,
    Private = 1,
    Group = 2,
    Direct = 3,
}

/// <summary>A channel (channels.json), private channel (groups.json), group DM (mpims.json) or DM (dms.json), with the folder its days are in.</summary>
public sealed record SlackChannel(string Id, string Name, SlackChannelKind Kind, string? Topic, string? Purpose, DateTimeOffset? Created, bool Archived, IReadOnlyList<string> Members)
{
    /// <summary>The export's folder for the channel: its name, or its ID for DMs (which have no name).</summary>
    public string Folder => Name;
}

/// <summary>A file attached to a message: present in the export when <see cref="EntryName"/> is set, otherwise only a link to Slack.</summary>
public sealed record SlackFile(string Id, string Name, string? Title, string? MimeType, long? Size, string? EntryName)
{
    public bool Present => EntryName is not null;

    public bool IsImage => MimeType?.StartsWith("image/", StringComparison.Ordinal) == true;
}

public sealed record SlackReaction(string Name, IReadOnlyList<string> Users);

/// <summary>
/// One message of a channel's day file. <see cref="Ts"/> is Slack's ID for it (seconds since 1970,
/// with a sequence after the dot); a reply has the <see cref="ThreadTs"/> of the message that
/// started its thread.
/// </summary>
public sealed record SlackMessage(
    string Ts,
    string? User,
    string? BotName,
    string? Subtype,
    string Text,
    string? ThreadTs,
    bool Edited,
    IReadOnlyList<SlackReaction> Reactions,
    IReadOnlyList<SlackFile> Files)
{
    public DateTimeOffset Time => SlackNames.TimeOf(Ts);

    /// <summary>A reply in a thread (not the message that started it).</summary>
    public bool IsReply => ThreadTs is not null && ThreadTs != Ts;

    /// <summary>Channel housekeeping (joins, leaves, topic changes) rather than something a person said.</summary>
    public bool IsHousekeeping => Subtype is "channel_join" or "channel_leave" or "channel_topic" or "channel_purpose" or "channel_name" or "group_join" or "group_leave" or "channel_archive" or "channel_unarchive";
}

/// <summary>What the owner sees before anything is written: the export's channels, people and what will not come across.</summary>
public sealed record SlackPreview(
    string Workspace,
    IReadOnlyList<SlackChannelPreview> Channels,
    int People,
    int Bots,
    int DeletedPeople,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int Messages,
    int Files,
    int FilesMissing,
    IReadOnlyList<string> NotComingAcross);

public sealed record SlackChannelPreview(string Id, string Name, SlackChannelKind Kind, int Messages, int Threads, int Files, int FilesMissing, DateTimeOffset? From, DateTimeOffset? To, string? Topic);
