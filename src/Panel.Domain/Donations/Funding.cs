using System.Globalization;

namespace Panel.Domain.Donations;

public sealed record FundingReport(
    string Month,
    string Currency,
    long CostsMinor,
    long ReceivedMinor,
    long PledgedMonthlyMinor,
    long CoveredMinor,
    int PercentCovered);

public sealed record MonthIncome(string Month, long IncomeMinor, long CostsMinor);

/// <summary>The honest numbers for members: what this month's donations and pledges cover of the costs.</summary>
public static class Funding
{
    public static string MonthKey(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static bool TryParseMonth(string? text, out DateTimeOffset start)
    {
        start = default;
        if (text is not { Length: 7 } || !DateTime.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
        {
            return false;
        }

        start = new DateTimeOffset(d, TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// This month's funding. "Received" is every counted payment in the month, net of refunds and
    /// disputes. "Covered" adds one-time donations to active monthly pledges (monthly payments are
    /// already in the pledges, so they are not counted twice).
    /// </summary>
    public static FundingReport Compute(IEnumerable<LedgerEntry> entries, IEnumerable<Pledge> pledges, DonationSettings settings, DateTimeOffset monthStart)
    {
        var next = monthStart.AddMonths(1);
        var inMonth = entries.Where(e => e.Counted && e.Status == LedgerStatus.Succeeded && e.Currency == settings.Currency && e.OccurredAt >= monthStart && e.OccurredAt < next).ToList();
        var received = inMonth.Sum(e => e.AmountMinor);
        var oneTime = inMonth.Where(e => e.Type != LedgerEntryType.MonthlyPayment).Sum(e => e.AmountMinor);
        var pledged = pledges.Where(p => p.Status == PledgeStatus.Active && p.Currency == settings.Currency).Sum(p => p.AmountMinor);
        var costs = settings.MonthlyCostsMinor;
        var covered = Math.Max(0, oneTime + pledged);
        var percent = costs <= 0 ? 100 : (int)Math.Min(999, Math.Floor(covered * 100.0 / costs));
        return new FundingReport(MonthKey(monthStart), settings.Currency, costs, received, pledged, covered, percent);
    }

    /// <summary>Income against costs for each month from the first payment to <paramref name="now"/>.</summary>
    public static IReadOnlyList<MonthIncome> History(IEnumerable<LedgerEntry> entries, DonationSettings settings, DateTimeOffset now, int maxMonths = 24)
    {
        var counted = entries.Where(e => e.Counted && e.Status == LedgerStatus.Succeeded && e.Currency == settings.Currency).ToList();
        var current = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var first = counted.Count == 0 ? current : counted.Min(e => new DateTimeOffset(e.OccurredAt.UtcDateTime.Year, e.OccurredAt.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero));
        if (maxMonths < 1200 && first < current.AddMonths(-(maxMonths - 1)))
        {
            first = current.AddMonths(-(maxMonths - 1));
        }

        var months = new List<MonthIncome>();
        for (var m = first; m <= current; m = m.AddMonths(1))
        {
            var next = m.AddMonths(1);
            months.Add(new MonthIncome(MonthKey(m), counted.Where(e => e.OccurredAt >= m && e.OccurredAt < next).Sum(e => e.AmountMinor), settings.MonthlyCostsMinor));
        }

        return months;
    }

    /// <summary>
    /// How many months the money received beyond the costs so far would pay for: the surplus since
    /// the first donation divided by the monthly costs. Null when there are no costs to pay.
    /// </summary>
    public static double? MonthsOfRunway(IEnumerable<LedgerEntry> entries, DonationSettings settings, DateTimeOffset now)
    {
        if (settings.MonthlyCostsMinor <= 0)
        {
            return null;
        }

        var history = History(entries, settings, now, int.MaxValue / 2);
        var surplus = history.Sum(m => m.IncomeMinor - m.CostsMinor);
        return surplus <= 0 ? 0 : Math.Round(surplus / (double)settings.MonthlyCostsMinor, 1);
    }
}
