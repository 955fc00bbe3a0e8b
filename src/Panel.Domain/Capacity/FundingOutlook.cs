using Panel.Domain.Donations;

namespace Panel.Domain.Capacity;

public enum FundingTrend
{
    Unknown = 0,
    Rising = 1,
    Steady = 2,
    Falling = 3,
}

/// <summary>Who pays: donations over the last 3 and 12 months against the costs of those months, the trend and the runway.</summary>
public sealed record FundingOutlook(
    string Currency,
    long MonthlyCostsMinor,
    long Last3MonthsMinor,
    long Last12MonthsMinor,
    int? Coverage3Percent,
    int? Coverage12Percent,
    FundingTrend Trend,
    double? RunwayMonths)
{
    /// <summary>
    /// Donations counted (succeeded, net of refunds) over whole months before <paramref name="now"/>'s
    /// month and the current one so far, against the costs of the same months; the trend compares
    /// the last three months with the three before them (a change of a fifth or more).
    /// </summary>
    public static FundingOutlook Compute(IReadOnlyCollection<LedgerEntry> entries, DonationSettings settings, DateTimeOffset now)
    {
        var month = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var counted = entries.Where(e => e.Counted && e.Status == LedgerStatus.Succeeded && e.Currency == settings.Currency).ToList();
        long Sum(DateTimeOffset from, DateTimeOffset to) => counted.Where(e => e.OccurredAt >= from && e.OccurredAt < to).Sum(e => e.AmountMinor);
        var next = month.AddMonths(1);
        var last3 = Sum(month.AddMonths(-2), next);
        var last12 = Sum(month.AddMonths(-11), next);
        var previous3 = Sum(month.AddMonths(-5), month.AddMonths(-2));
        var costs = settings.MonthlyCostsMinor;
        int? Coverage(long received, int months) => costs <= 0 ? null : (int)Math.Min(999, Math.Floor(received * 100.0 / (costs * months)));
        var trend = counted.Count == 0 || counted.Min(e => e.OccurredAt) >= month.AddMonths(-2) ? FundingTrend.Unknown
            : last3 >= previous3 * 1.2 ? FundingTrend.Rising
            : last3 <= previous3 * 0.8 ? FundingTrend.Falling
            : FundingTrend.Steady;
        return new FundingOutlook(settings.Currency, costs, last3, last12, Coverage(last3, 3), Coverage(last12, 12), trend,
            Funding.MonthsOfRunway(entries, settings, now));
    }
}
