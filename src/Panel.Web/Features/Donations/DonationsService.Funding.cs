using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Donations;

namespace Panel.Web.Features.Donations;

// The figures: funding per month, history, the ledger, pledges and supporters.
public sealed partial class DonationsService
{
    /// <summary>A month's funding (<c>2026-11</c>), or the current month's.</summary>
    public async Task<FundingReport> FundingAsync(string? month, CancellationToken cancellationToken)
    {
        DateTimeOffset? start = null;
        if (month is not null)
        {
            start = Funding.TryParseMonth(month, out var parsed) ? parsed : throw new DomainException("month must look like 2026-11.");
        }

        return await FundingAsync(await GetSettingsAsync(cancellationToken), start, cancellationToken);
    }

    private async Task<FundingReport> FundingAsync(DonationSettings s, DateTimeOffset? month, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var start = month ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var next = start.AddMonths(1);
        var entries = await db.LedgerEntries.AsNoTracking().Where(x => x.OccurredAt >= start && x.OccurredAt < next).ToListAsync(cancellationToken);
        var pledges = await db.Pledges.AsNoTracking().Where(p => p.Status == PledgeStatus.Active).ToListAsync(cancellationToken);
        return Funding.Compute(entries, pledges, s, start);
    }

    public async Task<IReadOnlyList<LedgerRow>> LedgerAsync(int skip, int take, CancellationToken cancellationToken)
    {
        if (take is < 1 or > 1000 || skip < 0)
        {
            throw new DomainException("take must be between 1 and 1000, and skip at least 0.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.LedgerEntries.AsNoTracking().OrderByDescending(x => x.OccurredAt).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return rows.Select(ToRow).ToList();
    }

    public async Task<IReadOnlyList<PledgeRow>> PledgesAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pledges = await db.Pledges.AsNoTracking().OrderBy(p => p.Status).ThenByDescending(p => p.StartedAt).ToListAsync(cancellationToken);
        return pledges.Select(p => new PledgeRow(p.SubscriptionId, p.AmountMinor, p.Currency, new Money(p.AmountMinor, p.Currency).ToString(),
            p.Status.ToString().ToLowerInvariant(), p.DisplayName, p.StartedAt)).ToList();
    }

    /// <summary>The names of supporters who chose to be shown (when the owner shows supporters at all).</summary>
    public async Task<IReadOnlyList<string>> SupportersAsync(CancellationToken cancellationToken) =>
        await SupportersAsync(await GetSettingsAsync(cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<string>> SupportersAsync(DonationSettings s, CancellationToken cancellationToken)
    {
        if (!s.ShowSupporters)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var fromPayments = await db.LedgerEntries.AsNoTracking()
            .Where(x => x.ShowName && x.Counted && x.Status == LedgerStatus.Succeeded && x.DisplayName != null)
            .OrderByDescending(x => x.OccurredAt).Select(x => x.DisplayName!).Take(200).ToListAsync(cancellationToken);
        var fromPledges = await db.Pledges.AsNoTracking().Where(p => p.ShowName && p.Status == PledgeStatus.Active && p.DisplayName != null)
            .Select(p => p.DisplayName!).ToListAsync(cancellationToken);
        return fromPledges.Concat(fromPayments).Distinct(StringComparer.OrdinalIgnoreCase).Take(100).ToList();
    }

    public async IAsyncEnumerable<string> ExportCsvAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return "occurred_at,type,status,amount,currency,counted,display_name,checkout_session,payment_intent,invoice,subscription,charge,event";
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await foreach (var x in db.LedgerEntries.AsNoTracking().OrderBy(x => x.OccurredAt).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var amount = new Money(x.AmountMinor, x.Currency).Major.ToString(CultureInfo.InvariantCulture);
            yield return string.Join(',', x.OccurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), x.Type, x.Status, amount, x.Currency, x.Counted ? "yes" : "no",
                Audit.AuditLog.Csv(x.DisplayName), x.CheckoutSessionId, x.PaymentIntentId, x.InvoiceId, x.SubscriptionId, x.ChargeId, x.SourceEventId);
        }
    }

    private static LedgerRow ToRow(LedgerEntry x) => new(x.Id, x.Type.ToString(), x.Status.ToString(), x.AmountMinor, x.Currency,
        new Money(x.AmountMinor, x.Currency).ToString(), x.Counted, x.OccurredAt, x.DisplayName, x.Message, x.CheckoutSessionId, x.PaymentIntentId,
        x.InvoiceId, x.SubscriptionId, x.ChargeId, x.SourceEventId);

    public async Task<(IReadOnlyList<MonthIncome> History, double? Runway)> HistoryAsync(CancellationToken cancellationToken)
    {
        var s = await GetSettingsAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return (Funding.History(entries, s, now, 12), Funding.MonthsOfRunway(entries, s, now));
    }
}
