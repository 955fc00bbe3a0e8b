namespace Panel.Domain.Moderation;

/// <summary>
/// What the homeserver offers to act on abuse: reports its users made, redactions, blocks, media
/// quarantine and per-user limits. Synapse's admin API behind it; one port, so tests can fake it.
/// </summary>
public interface IHomeserverModeration
{
    /// <summary>Reports, newest first.</summary>
    Task<EventReportPage> ListEventReportsAsync(int from, int limit, CancellationToken cancellationToken);

    /// <summary>One report with the reported event; null when the report is gone.</summary>
    Task<EventReportDetails?> GetEventReportAsync(long id, CancellationToken cancellationToken);

    /// <summary>Removes a report from the homeserver's list (dismissed).</summary>
    Task DeleteEventReportAsync(long id, CancellationToken cancellationToken);

    /// <summary>Redacts one event as <paramref name="asUserId"/> (its sender when local, this server's admin otherwise).</summary>
    Task RedactEventAsync(string roomId, string eventId, string asUserId, string? reason, CancellationToken cancellationToken);

    Task BlockRoomAsync(string roomId, bool block, CancellationToken cancellationToken);

    /// <summary>Starts redacting a user's recent events in every room they are in; returns the task's id.</summary>
    Task<string> StartRedactUserEventsAsync(string userId, string? reason, int limit, CancellationToken cancellationToken);

    Task<RedactionStatus> GetRedactionStatusAsync(string redactionId, CancellationToken cancellationToken);

    /// <summary>Quarantines one media item (server name and media id of its mxc:// URI).</summary>
    Task QuarantineMediaAsync(string serverName, string mediaId, CancellationToken cancellationToken);

    /// <summary>Quarantines all media in a room; returns how many items.</summary>
    Task<int> QuarantineRoomMediaAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>Quarantines all media a local user uploaded; returns how many items.</summary>
    Task<int> QuarantineUserMediaAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Every media item quarantined now, local and cached remote, in the order it was quarantined.</summary>
    Task<IReadOnlyList<MediaAddress>> ListQuarantinedMediaAsync(CancellationToken cancellationToken);

    /// <summary>Lifts the quarantine of one media item.</summary>
    Task ReleaseMediaAsync(MediaAddress media, CancellationToken cancellationToken);

    /// <summary>Media a local user uploaded, with whether each is quarantined.</summary>
    Task<IReadOnlyList<MediaItem>> ListUserMediaAsync(string userId, CancellationToken cancellationToken);

    Task SetShadowBanAsync(string userId, bool banned, CancellationToken cancellationToken);

    /// <summary>A user's own message rate limit; null values lift it; null result means the server's default.</summary>
    Task<RateLimitOverride?> GetRateLimitAsync(string userId, CancellationToken cancellationToken);

    Task SetRateLimitAsync(string userId, RateLimitOverride? limit, CancellationToken cancellationToken);
}

public sealed record EventReport(long Id, DateTimeOffset ReceivedAt, string RoomId, string? RoomName, string EventId, string Reporter, string? Reason, int? Score, string Sender);

public sealed record EventReportPage(IReadOnlyList<EventReport> Reports, int Total);

/// <summary>A report and the event it is about: <see cref="Body"/> is null when the event is gone or redacted.</summary>
public sealed record EventReportDetails(EventReport Report, bool EventExists, bool Redacted, string? EventType, string? Body, DateTimeOffset? SentAt);

/// <summary>Synapse's words: scheduled, active, complete or failed; and the events it could not redact, with why.</summary>
public sealed record RedactionStatus(string Status, IReadOnlyDictionary<string, string> Failed);

/// <summary>An mxc:// address: the server the media came from and its id there.</summary>
public sealed record MediaAddress(string Origin, string MediaId)
{
    public override string ToString() => $"mxc://{Origin}/{MediaId}";

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MediaAddress? address)
    {
        address = text is not null && text.StartsWith("mxc://", StringComparison.Ordinal) && text[6..].Split('/') is [{ Length: > 0 } origin, { Length: > 0 } id]
            ? new MediaAddress(origin, id)
            : null;
        return address is not null;
    }
}

public sealed record MediaItem(string MediaId, string? Name, string? ContentType, long Length, DateTimeOffset CreatedAt, bool Quarantined);

/// <summary>Messages per second and burst; 0 and 0 lift the limit altogether.</summary>
public sealed record RateLimitOverride(int MessagesPerSecond, int BurstCount);
