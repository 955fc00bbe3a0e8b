using System.Globalization;

namespace Panel.Domain.Backups;

/// <summary>
/// Grandfather-father-son retention, as restic's <c>forget --keep-daily/weekly/monthly</c> does it:
/// walking from the newest backup back, keep the newest backup of each of the last N days (that
/// have a backup), of each of the last N ISO weeks, and of each of the last N months. A backup that
/// one rule keeps is kept, whatever the others say.
/// </summary>
public sealed record RetentionPolicy(int KeepDaily, int KeepWeekly, int KeepMonthly)
{
    public static RetentionPolicy Default { get; } = new(7, 4, 6);

    /// <summary>The ids to keep, out of completed backups with their times (in the server's time zone).</summary>
    public IReadOnlySet<Guid> Keep(IEnumerable<(Guid Id, DateTimeOffset At)> backups)
    {
        var keep = new HashSet<Guid>();
        var ordered = backups.OrderByDescending(b => b.At).ToList();
        Apply(ordered, KeepDaily, b => b.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), keep);
        Apply(ordered, KeepWeekly, b => $"{ISOWeek.GetYear(b.At.DateTime)}-W{ISOWeek.GetWeekOfYear(b.At.DateTime):00}", keep);
        Apply(ordered, KeepMonthly, b => b.At.ToString("yyyy-MM", CultureInfo.InvariantCulture), keep);
        return keep;
    }

    private static void Apply(List<(Guid Id, DateTimeOffset At)> newestFirst, int count, Func<(Guid Id, DateTimeOffset At), string> bucket, HashSet<Guid> keep)
    {
        string? last = null;
        var kept = 0;
        foreach (var b in newestFirst)
        {
            if (kept >= count)
            {
                return;
            }

            var key = bucket(b);
            if (key != last)
            {
                keep.Add(b.Id);
                last = key;
                kept++;
            }
        }
    }
}
