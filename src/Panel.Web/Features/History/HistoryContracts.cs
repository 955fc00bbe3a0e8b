using Panel.Domain.History;

namespace Panel.Web.Features.History;

/// <summary>An uploaded export, its import's state, and its preview (what is in it, and what will not come across).</summary>
public sealed record SlackImportView(
    Guid Id,
    string Workspace,
    string FileName,
    long FileBytes,
    string Status,
    int Total,
    int Done,
    string? LastError,
    DateTimeOffset UploadedAt,
    DateTimeOffset? FinishedAt,
    SlackPreview? Preview);

/// <summary>What to import: the workspace's name (the space's) and the channels, each public (anyone on the server may join) or invite-only.</summary>
public sealed record SlackImportRequest(string? Workspace, IReadOnlyList<SlackChannelChoice>? Channels);

public sealed record SlackChannelChoice(string Id, bool Public = true);
