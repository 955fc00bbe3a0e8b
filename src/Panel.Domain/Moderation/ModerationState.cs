namespace Panel.Domain.Moderation;

/// <summary>
/// What the panel remembers about moderation: the newest report it has told the owner about, so that a
/// restart neither repeats old reports nor misses the ones that came while it was down.
/// </summary>
public sealed class ModerationState
{
    public const int SingletonId = 1;

    private ModerationState() { }

    public int Id { get; private set; } = SingletonId;

    /// <summary>The highest report id the owner was told about; null until the first look (then every report present counts as known).</summary>
    public long? LastNotifiedReportId { get; private set; }

    public const int MaxRulesLength = 20_000;

    /// <summary>The server's house rules, in Markdown; null when the owner has written none.</summary>
    public string? Rules { get; private set; }

    /// <summary>Goes up by one with every change, so an acceptance says which rules were accepted.</summary>
    public int RulesVersion { get; private set; }

    public DateTimeOffset? RulesChangedAt { get; private set; }

    public static ModerationState Default() => new();

    /// <summary>Sets the rules (empty: none); returns false when nothing changed.</summary>
    public bool SetRules(string? markdown, DateTimeOffset now)
    {
        var text = string.IsNullOrWhiteSpace(markdown) ? null : markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text is { Length: > MaxRulesLength })
        {
            throw new Common.DomainException($"The rules are {text.Length} characters long; {MaxRulesLength} at most.");
        }

        if (text == Rules)
        {
            return false;
        }

        Rules = text;
        RulesVersion++;
        RulesChangedAt = now;
        return true;
    }

    /// <summary>Reports newer than the last one told about; marks them told. The first look tells nothing: those reports are already in the queue.</summary>
    public IReadOnlyList<EventReport> TakeNew(IReadOnlyList<EventReport> newestFirst)
    {
        var newest = newestFirst.Count == 0 ? (long?)null : newestFirst.Max(r => r.Id);
        if (LastNotifiedReportId is not { } last)
        {
            LastNotifiedReportId = newest ?? 0;
            return [];
        }

        var fresh = newestFirst.Where(r => r.Id > last).OrderBy(r => r.Id).ToList();
        if (newest is { } n && n > last)
        {
            LastNotifiedReportId = n;
        }

        return fresh;
    }
}

/// <summary>A person accepted a version of the house rules: when they signed up, or when asked again.</summary>
public sealed class RulesAcceptance
{
    private RulesAcceptance() { }

    public Guid Id { get; private set; }

    public string UserId { get; private set; } = "";

    public int Version { get; private set; }

    public DateTimeOffset AcceptedAt { get; private set; }

    public string? SourceAddress { get; private set; }

    public static RulesAcceptance Record(string userId, int version, string? sourceAddress, DateTimeOffset now) =>
        new() { Id = Guid.NewGuid(), UserId = userId, Version = version, AcceptedAt = now, SourceAddress = sourceAddress };
}
