using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Donations;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Donations;

// The webhook: Stripe's events, applied once each, into the ledger.
public sealed partial class DonationsService
{
    public async Task<WebhookOutcome> HandleWebhookAsync(string payload, string? signature, string? sourceAddress, CancellationToken cancellationToken)
    {
        var s = await GetSettingsAsync(cancellationToken);
        var credentials = Credentials(s);
        if (credentials?.WebhookSecret is not { } secret)
        {
            throw new InvalidWebhookException("No webhook signing secret is configured.");
        }

        var e = gateway.ParseWebhook(payload, signature, secret, clock.GetUtcNow());
        if (e.Livemode != credentials.Live)
        {
            throw new InvalidWebhookException(e.Livemode
                ? "This is a live-mode event, but the panel uses a test key."
                : "This is a test-mode event, but the panel uses a live key.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.ProcessedStripeEvents.Add(ProcessedStripeEvent.Of(e.EventId, e.Type, clock.GetUtcNow()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            LogDuplicate(logger, e.EventId, e.Type);
            return WebhookOutcome.Duplicate;
        }

        var outcome = e switch
        {
            CheckoutCompleted c => await ApplyAsync(db, c, cancellationToken),
            InvoicePaid i => await ApplyAsync(db, i, cancellationToken),
            SubscriptionChanged sub => await ApplyAsync(db, sub, cancellationToken),
            ChargeRefunded r => await ApplyAsync(db, r, cancellationToken),
            DisputeCreated d => await ApplyAsync(db, d, cancellationToken),
            _ => WebhookOutcome.Ignored,
        };
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Changed();

        if (outcome == WebhookOutcome.Ignored)
        {
            LogIgnored(logger, e.EventId, e.Type);
        }
        else
        {
            await audit.RecordAsync(new AuditActor("stripe", sourceAddress), "donation." + e.Type, e.EventId, AuditOutcome.Success, null, cancellationToken);
        }

        return outcome;
    }

    private async Task<WebhookOutcome> ApplyAsync(PanelDbContext db, CheckoutCompleted c, CancellationToken cancellationToken)
    {
        if (!PanelPaymentMetadata.IsOurs(c.Metadata))
        {
            return WebhookOutcome.Ignored;
        }

        c.Metadata.TryGetValue(PanelPaymentMetadata.DisplayName, out var name);
        c.Metadata.TryGetValue(PanelPaymentMetadata.Message, out var message);
        var show = c.Metadata.TryGetValue(PanelPaymentMetadata.ShowName, out var s) && s == "1";
        if (c.Mode == "subscription")
        {
            if (c.SubscriptionId is null)
            {
                return WebhookOutcome.Ignored;
            }

            var pledge = await db.Pledges.SingleOrDefaultAsync(p => p.SubscriptionId == c.SubscriptionId, cancellationToken);
            if (pledge is null)
            {
                db.Pledges.Add(Pledge.Start(c.SubscriptionId, new Money(c.AmountTotal, c.Currency), name, show, c.Created));
            }

            return WebhookOutcome.Processed;
        }

        var entry = await db.LedgerEntries.SingleOrDefaultAsync(x => x.CheckoutSessionId == c.SessionId && x.Type == LedgerEntryType.Donation, cancellationToken);
        if (c.Type == "checkout.session.async_payment_failed")
        {
            entry?.Fail();
            return WebhookOutcome.Processed;
        }

        var paid = c.PaymentStatus == "paid" || c.Type == "checkout.session.async_payment_succeeded";
        if (entry is null)
        {
            entry = LedgerEntry.Payment(LedgerEntryType.Donation, paid ? LedgerStatus.Succeeded : LedgerStatus.Pending, new Money(c.AmountTotal, c.Currency),
                c.Created, c.EventId, c.SessionId, c.PaymentIntentId, null, null, name, message, show);
            db.LedgerEntries.Add(entry);
        }
        else if (paid)
        {
            entry.Succeed(c.Created);
        }

        await CountReversalsAsync(db, c.PaymentIntentId, cancellationToken);
        return WebhookOutcome.Processed;
    }

    private async Task<WebhookOutcome> ApplyAsync(PanelDbContext db, InvoicePaid i, CancellationToken cancellationToken)
    {
        if (!PanelPaymentMetadata.IsOurs(i.SubscriptionMetadata))
        {
            return WebhookOutcome.Ignored;
        }

        i.SubscriptionMetadata.TryGetValue(PanelPaymentMetadata.DisplayName, out var name);
        var show = i.SubscriptionMetadata.TryGetValue(PanelPaymentMetadata.ShowName, out var s) && s == "1";
        if (!await db.LedgerEntries.AnyAsync(x => x.InvoiceId == i.InvoiceId, cancellationToken))
        {
            db.LedgerEntries.Add(LedgerEntry.Payment(LedgerEntryType.MonthlyPayment, LedgerStatus.Succeeded, new Money(i.AmountPaid, i.Currency), i.Created, i.EventId,
                null, i.PaymentIntentId, i.InvoiceId, i.SubscriptionId, name, null, show));
        }

        // The invoice may arrive before the checkout that started the subscription.
        if (i.SubscriptionId is not null && !await db.Pledges.AnyAsync(p => p.SubscriptionId == i.SubscriptionId, cancellationToken))
        {
            db.Pledges.Add(Pledge.Start(i.SubscriptionId, new Money(i.AmountPaid, i.Currency), name, show, i.Created));
        }

        await CountReversalsAsync(db, i.PaymentIntentId, cancellationToken);
        return WebhookOutcome.Processed;
    }

    private async Task<WebhookOutcome> ApplyAsync(PanelDbContext db, SubscriptionChanged sub, CancellationToken cancellationToken)
    {
        if (!PanelPaymentMetadata.IsOurs(sub.Metadata))
        {
            return WebhookOutcome.Ignored;
        }

        var status = sub.Deleted ? PledgeStatus.Canceled : sub.Status switch
        {
            "active" or "trialing" => PledgeStatus.Active,
            "past_due" or "unpaid" or "incomplete" or "paused" => PledgeStatus.PastDue,
            _ => PledgeStatus.Canceled,
        };
        Money? amount = sub.MonthlyAmount is { } a ? new Money(a, sub.Currency) : null;
        var pledge = await db.Pledges.SingleOrDefaultAsync(p => p.SubscriptionId == sub.SubscriptionId, cancellationToken);
        if (pledge is null)
        {
            if (amount is null)
            {
                return WebhookOutcome.Ignored;
            }

            sub.Metadata.TryGetValue(PanelPaymentMetadata.DisplayName, out var name);
            pledge = Pledge.Start(sub.SubscriptionId, amount.Value, name, sub.Metadata.TryGetValue(PanelPaymentMetadata.ShowName, out var s) && s == "1", sub.Created);
            db.Pledges.Add(pledge);
        }

        pledge.Update(status, amount, sub.Created);
        return WebhookOutcome.Processed;
    }

    // charge.refunded carries the total refunded so far; the ledger adds what is new. Events that
    // arrive out of order never take back a refund already recorded.
    private async Task<WebhookOutcome> ApplyAsync(PanelDbContext db, ChargeRefunded r, CancellationToken cancellationToken)
    {
        var known = r.PaymentIntentId is not null && await db.LedgerEntries.AnyAsync(x => x.PaymentIntentId == r.PaymentIntentId
            && (x.Type == LedgerEntryType.Donation || x.Type == LedgerEntryType.MonthlyPayment), cancellationToken);
        var recorded = await db.LedgerEntries.Where(x => x.Type == LedgerEntryType.Refund && (x.ChargeId == r.ChargeId || (r.PaymentIntentId != null && x.PaymentIntentId == r.PaymentIntentId)))
            .SumAsync(x => -x.AmountMinor, cancellationToken);
        var delta = r.AmountRefunded - recorded;
        if (delta <= 0)
        {
            return WebhookOutcome.Processed;
        }

        db.LedgerEntries.Add(LedgerEntry.Reversal(LedgerEntryType.Refund, new Money(delta, r.Currency), r.Created, r.EventId, r.PaymentIntentId, r.ChargeId, counted: known));
        return WebhookOutcome.Processed;
    }

    private async Task<WebhookOutcome> ApplyAsync(PanelDbContext db, DisputeCreated d, CancellationToken cancellationToken)
    {
        var known = d.PaymentIntentId is not null && await db.LedgerEntries.AnyAsync(x => x.PaymentIntentId == d.PaymentIntentId
            && (x.Type == LedgerEntryType.Donation || x.Type == LedgerEntryType.MonthlyPayment), cancellationToken);
        db.LedgerEntries.Add(LedgerEntry.Reversal(LedgerEntryType.Dispute, new Money(d.Amount, d.Currency), d.Created, d.EventId, d.PaymentIntentId, d.ChargeId, counted: known));
        return WebhookOutcome.Processed;
    }

    private static async Task CountReversalsAsync(PanelDbContext db, string? paymentIntentId, CancellationToken cancellationToken)
    {
        if (paymentIntentId is null)
        {
            return;
        }

        foreach (var reversal in await db.LedgerEntries.Where(x => x.PaymentIntentId == paymentIntentId && !x.Counted).ToListAsync(cancellationToken))
        {
            reversal.Count();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({Type}) was already handled")]
    private static partial void LogDuplicate(ILogger logger, string eventId, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({Type}) is not about the panel's donations; acknowledged and ignored")]
    private static partial void LogIgnored(ILogger logger, string eventId, string type);
}
