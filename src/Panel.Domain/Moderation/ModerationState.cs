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

    public static ModerationState Default() => new();

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
