using Panel.Domain.Common;

namespace Panel.Domain.History;

/// <summary>
/// The panel's own appservice, registered in Synapse as bridges are: the imported people are its
/// users, its bot makes the rooms. One per homeserver; its tokens are kept encrypted.
/// </summary>
public sealed class HistoryAppService
{
    public const int SingletonId = 1;
    public const string AppServiceId = "panel-history";
    public const string BotLocalpart = "slack-history";

    private HistoryAppService() { }

    public int Id { get; private set; } = SingletonId;

    public string AsTokenProtected { get; private set; } = "";

    public string HsTokenProtected { get; private set; } = "";

    /// <summary>Whether homeserver.yaml lists its registration.</summary>
    public bool Registered { get; private set; }

    public static HistoryAppService Create(string asTokenProtected, string hsTokenProtected) => new()
    {
        AsTokenProtected = Guard.NotBlank(asTokenProtected, "The appservice token", 4000),
        HsTokenProtected = Guard.NotBlank(hsTokenProtected, "The homeserver token", 4000),
    };

    public void SetRegistered(bool registered) => Registered = registered;
}

public enum SlackImportStatus
{
    Uploaded = 0,
    Importing = 1,
    Done = 2,
    Failed = 3,
    Cancelled = 4,
}

/// <summary>An uploaded export, what the owner chose of it, and how far its import has come.</summary>
public sealed class SlackImport
{
    private SlackImport() { }

    public Guid Id { get; private set; }

    /// <summary>The workspace's name: the space's name, and part of every imported message's key (so that a second import of it adds nothing).</summary>
    public string Workspace { get; private set; } = "";

    public string FileName { get; private set; } = "";

    public long FileBytes { get; private set; }

    /// <summary>Where the upload is kept until the import is done (the panel's data directory).</summary>
    public string StoredPath { get; private set; } = "";

    public DateTimeOffset UploadedAt { get; private set; }

    public SlackImportStatus Status { get; private set; }

    /// <summary>The channels chosen (their IDs), comma-separated; the private ones marked with a leading '-'.</summary>
    public string? Selection { get; private set; }

    public int Total { get; private set; }

    public int Done { get; private set; }

    public string? LastError { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public static SlackImport Uploaded(Guid id, string workspace, string fileName, long bytes, string storedPath, DateTimeOffset at) => new()
    {
        Id = id,
        Workspace = Guard.NotBlank(workspace, "The workspace's name", 100),
        FileName = Guard.NotBlank(Path.GetFileName(fileName), "The file's name", 300),
        FileBytes = bytes,
        StoredPath = storedPath,
        UploadedAt = at,
        Status = SlackImportStatus.Uploaded,
    };

    /// <summary>The chosen channels: <c>(id, public)</c>.</summary>
    public IReadOnlyList<(string Id, bool Public)> Channels =>
        [.. (Selection ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.StartsWith('-') ? (s[1..], false) : (s, true))];

    public void Start(string workspace, IReadOnlyList<(string Id, bool Public)> channels, int total)
    {
        if (Status == SlackImportStatus.Importing)
        {
            throw new ConflictException("This export is being imported already.");
        }

        if (channels.Count == 0)
        {
            throw new DomainException("Choose at least one channel to import.");
        }

        Workspace = Guard.NotBlank(workspace, "The workspace's name", 100);
        Selection = string.Join(',', channels.Select(c => (c.Public ? "" : "-") + c.Id));
        Total = total;
        Done = 0;
        LastError = null;
        FinishedAt = null;
        Status = SlackImportStatus.Importing;
    }

    public void Progress(int done) => Done = Math.Min(done, Total);

    public void Finish(SlackImportStatus status, DateTimeOffset at, string? error = null)
    {
        Status = status;
        FinishedAt = at;
        LastError = error is { Length: > 4000 } ? error[..4000] : error;
    }
}

/// <summary>
/// The map of Slack's messages to the events they became: one row per thing sent (a message, a
/// file, a reaction, a room), keyed by the workspace, the channel and Slack's own key, so that an
/// import that runs again, or resumes, sends nothing twice.
/// </summary>
public sealed class ImportedEvent
{
    private ImportedEvent() { }

    public long Id { get; private set; }

    public string Workspace { get; private set; } = "";

    public string Channel { get; private set; } = "";

    /// <summary>Slack's ts, or ts and a suffix (<c>:file:F01</c>, <c>:reaction:tada:U01</c>), or <c>room</c> and <c>space</c>.</summary>
    public string Key { get; private set; } = "";

    /// <summary>The Matrix event or room ID it became.</summary>
    public string MatrixId { get; private set; } = "";

    public DateTimeOffset At { get; private set; }

    public static ImportedEvent Of(string workspace, string channel, string key, string matrixId, DateTimeOffset at) => new()
    {
        Workspace = workspace,
        Channel = channel,
        Key = key,
        MatrixId = matrixId,
        At = at,
    };
}

/// <summary>
/// A Slack person claimed by a member of the server: the member is shown as who the ghost was, and is
/// invited to the rooms the person was in. The imported messages keep the ghost as their sender.
/// </summary>
public sealed class GhostClaim
{
    private GhostClaim() { }

    public long Id { get; private set; }

    public string Workspace { get; private set; } = "";

    public string SlackUserId { get; private set; } = "";

    public string MatrixUserId { get; private set; } = "";

    /// <summary>"email" when matched by the export's address, "hand" when the owner chose.</summary>
    public string How { get; private set; } = "";

    public DateTimeOffset At { get; private set; }

    public static GhostClaim Of(string workspace, string slackUserId, string matrixUserId, string how, DateTimeOffset at) => new()
    {
        Workspace = Guard.NotBlank(workspace, "The workspace", 100),
        SlackUserId = Guard.NotBlank(slackUserId, "The Slack person", 100),
        MatrixUserId = Guard.NotBlank(matrixUserId, "The member", 255),
        How = how,
        At = at,
    };
}
