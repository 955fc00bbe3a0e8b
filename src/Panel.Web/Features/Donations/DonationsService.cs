using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Donations;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Donations;

/// <summary>What the public donate page shows; shared between requests, so read it, never change it.</summary>
public sealed record DonatePage(DonationSettings Settings, DonationSettingsView View, FundingReport Funding, IReadOnlyList<string> Supporters);

public sealed record DonationSettingsView(
    string Currency,
    IReadOnlyList<long> SuggestedAmountsMinor,
    long MinimumMinor,
    long MaximumMinor,
    IReadOnlyList<CostLine> CostLines,
    long MonthlyCostsMinor,
    string? PublicMessage,
    IReadOnlyList<ExternalLink> ExternalLinks,
    bool ShowSupporters,
    bool StripeConfigured,
    bool WebhookConfigured,
    string? PublishableKey,
    bool KeysFromConfiguration,
    bool LiveMode);

public sealed record DonationSettingsRequest(
    string? Currency,
    IReadOnlyList<long>? SuggestedAmountsMinor,
    long? MinimumMinor,
    long? MaximumMinor,
    IReadOnlyList<CostLine>? CostLines,
    string? PublicMessage,
    IReadOnlyList<ExternalLink>? ExternalLinks,
    bool? ShowSupporters,
    string? StripeSecretKey,
    string? StripePublishableKey,
    string? StripeWebhookSecret,
    bool? ClearStripeKeys);

public sealed record CheckoutStart(long AmountMinor, string? Currency, bool Recurring, string? DisplayName, string? Message, bool ShowName = false);

public sealed record LedgerRow(
    Guid Id,
    string Type,
    string Status,
    long AmountMinor,
    string Currency,
    string Amount,
    bool Counted,
    DateTimeOffset OccurredAt,
    string? DisplayName,
    string? Message,
    string? CheckoutSessionId,
    string? PaymentIntentId,
    string? InvoiceId,
    string? SubscriptionId,
    string? ChargeId,
    string SourceEventId);

public sealed record PledgeRow(string SubscriptionId, long AmountMinor, string Currency, string Amount, string Status, string? DisplayName, DateTimeOffset StartedAt);

public enum WebhookOutcome
{
    Processed,
    Duplicate,
    Ignored,
}

/// <summary>
/// Donations: the owner's settings, Checkout for donors, the webhook that keeps an exact ledger, and
/// the funding figures members see. Only payments the panel itself started count (they carry the
/// homeserver_panel marker), because a Stripe account may serve other things too.
/// </summary>
public sealed partial class DonationsService(
    IDbContextFactory<PanelDbContext> contexts,
    IPaymentGateway gateway,
    ISecretProtector secrets,
    IOptionsMonitor<DonationOptions> options,
    HomeserverAccess homeserver,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<DonationsService> logger)
{
    /// <summary>How long the public donate page's figures are reused, unless the panel changes them first.</summary>
    public static readonly TimeSpan PublicPageLifetime = TimeSpan.FromSeconds(30);

    // Bumped by every change the panel makes to the settings or the ledger.
    private long _version;
    private volatile PublicSnapshot? _publicPage;

    private sealed record PublicSnapshot(long Version, DateTimeOffset At, DonatePage Page);

    /// <summary>
    /// What the public donate page shows. The page is public and may be loaded often, and every load
    /// read the settings four times and the ledger twice (the slowest public page under load,
    /// bench P5), so the figures are kept for <see cref="PublicPageLifetime"/>, or until the panel
    /// records a payment or the owner changes the settings, whichever comes first.
    /// </summary>
    public async Task<DonatePage> PublicPageAsync(CancellationToken cancellationToken)
    {
        var version = Interlocked.Read(ref _version);
        var now = clock.GetUtcNow();
        if (_publicPage is { } kept && kept.Version == version && now - kept.At < PublicPageLifetime && now >= kept.At)
        {
            return kept.Page;
        }

        var settings = await GetSettingsAsync(cancellationToken);
        var page = new DonatePage(settings, View(settings), await FundingAsync(settings, null, cancellationToken), await SupportersAsync(settings, cancellationToken));
        _publicPage = new PublicSnapshot(version, now, page);
        return page;
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        _publicPage = null;
    }

    public async Task<DonationSettings> GetSettingsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.DonationSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? DonationSettings.Default();
        if (!string.IsNullOrWhiteSpace(options.CurrentValue.Currency) && settings.Currency != options.CurrentValue.Currency.Trim().ToLowerInvariant())
        {
            settings.Change(options.CurrentValue.Currency, [], settings.MinimumMinor, settings.MaximumMinor, settings.CostLines, settings.PublicMessage, settings.ExternalLinks, settings.ShowSupporters);
        }

        return settings;
    }

    public async Task<DonationSettingsView> GetSettingsViewAsync(CancellationToken cancellationToken) =>
        View(await GetSettingsAsync(cancellationToken));

    private DonationSettingsView View(DonationSettings s)
    {
        var credentials = Credentials(s);
        var fromConfig = !string.IsNullOrWhiteSpace(options.CurrentValue.Stripe.SecretKey);
        return new DonationSettingsView(s.Currency, s.SuggestedAmountsMinor, s.MinimumMinor, s.MaximumMinor, s.CostLines, s.MonthlyCostsMinor, s.PublicMessage,
            s.ExternalLinks, s.ShowSupporters, credentials is not null, credentials?.WebhookSecret is not null,
            fromConfig ? options.CurrentValue.Stripe.PublishableKey : s.PublishableKey, fromConfig, credentials?.Live ?? false);
    }

    public async Task<DonationSettingsView> SaveSettingsAsync(DonationSettingsRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var s = await db.DonationSettings.SingleOrDefaultAsync(cancellationToken);
            if (s is null)
            {
                s = DonationSettings.Default();
                db.DonationSettings.Add(s);
            }

            s.Change(request.Currency ?? s.Currency, request.SuggestedAmountsMinor ?? s.SuggestedAmountsMinor, request.MinimumMinor ?? s.MinimumMinor,
                request.MaximumMinor ?? s.MaximumMinor, request.CostLines ?? s.CostLines, request.PublicMessage ?? s.PublicMessage,
                request.ExternalLinks ?? s.ExternalLinks, request.ShowSupporters ?? s.ShowSupporters);
            if (request.ClearStripeKeys == true)
            {
                s.ClearStripeKeys();
            }

            ValidateKey(request.StripeSecretKey, ["sk_", "rk_"], "The secret key");
            ValidateKey(request.StripePublishableKey, ["pk_"], "The publishable key");
            ValidateKey(request.StripeWebhookSecret, ["whsec_"], "The webhook signing secret");
            s.SetStripeKeys(
                string.IsNullOrWhiteSpace(request.StripeSecretKey) ? null : secrets.Protect(request.StripeSecretKey.Trim()),
                string.IsNullOrWhiteSpace(request.StripePublishableKey) ? null : request.StripePublishableKey.Trim(),
                string.IsNullOrWhiteSpace(request.StripeWebhookSecret) ? null : secrets.Protect(request.StripeWebhookSecret.Trim()));
            await db.SaveChangesAsync(cancellationToken);
        }

        Changed();
        var changedKeys = new[] { request.StripeSecretKey, request.StripePublishableKey, request.StripeWebhookSecret }.Any(k => !string.IsNullOrWhiteSpace(k)) || request.ClearStripeKeys == true;
        await audit.RecordAsync(actor, "donations.settings-changed", "donations", AuditOutcome.Success, changedKeys ? "including the Stripe keys" : null, cancellationToken);
        return await GetSettingsViewAsync(cancellationToken);
    }

    /// <summary>Starts a Stripe Checkout for a donor; returns the page to send them to.</summary>
    public async Task<string> StartCheckoutAsync(CheckoutStart start, string panelBaseUrl, string idempotencyKey, string? sourceAddress, CancellationToken cancellationToken)
    {
        var s = await GetSettingsAsync(cancellationToken);
        var credentials = Credentials(s) ?? throw new DomainException("Card donations are not set up on this server.");
        var amount = s.Validate(start.AmountMinor, start.Currency ?? s.Currency);
        var name = Clean(start.DisplayName, 80, "The name");
        var message = Clean(start.Message, 500, "The message");
        var serverName = (await homeserver.GetDeploymentAsync(cancellationToken))?.ServerName ?? "this Matrix server";
        var metadata = new Dictionary<string, string> { [PanelPaymentMetadata.ShowName] = start.ShowName && name is not null ? "1" : "0" };
        if (name is not null)
        {
            metadata[PanelPaymentMetadata.DisplayName] = name;
        }

        if (message is not null)
        {
            metadata[PanelPaymentMetadata.Message] = message;
        }

        var url = await gateway.CreateCheckoutAsync(credentials, new CheckoutRequest(
            amount,
            start.Recurring,
            start.Recurring ? $"Monthly donation to {serverName}" : $"Donation to {serverName}",
            $"{panelBaseUrl.TrimEnd('/')}/donate/thanks?session_id={{CHECKOUT_SESSION_ID}}",
            $"{panelBaseUrl.TrimEnd('/')}/donate/cancelled",
            metadata), idempotencyKey, cancellationToken);
        await audit.RecordAsync(AuditActor.Anonymous(sourceAddress), "donation.checkout-started", "donations", AuditOutcome.Success,
            $"{amount}{(start.Recurring ? " monthly" : "")}", cancellationToken);
        return url;
    }

    /// <summary>An idempotency key from what identifies one donor's one submission, so a double click is one payment.</summary>
    public static string IdempotencyKey(string formNonce, CheckoutStart start) =>
        "hsp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('|', formNonce, start.AmountMinor.ToString(CultureInfo.InvariantCulture), start.Currency, start.Recurring, start.DisplayName, start.Message))))[..40];

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

    public async Task<(IReadOnlyList<MonthIncome> History, double? Runway)> HistoryAsync(CancellationToken cancellationToken)
    {
        var s = await GetSettingsAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return (Funding.History(entries, s, now, 12), Funding.MonthsOfRunway(entries, s, now));
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

    private PaymentCredentials? Credentials(DonationSettings s)
    {
        var config = options.CurrentValue.Stripe;
        if (!string.IsNullOrWhiteSpace(config.SecretKey))
        {
            return new PaymentCredentials(config.SecretKey.Trim(), string.IsNullOrWhiteSpace(config.WebhookSecret) ? Unprotect(s.WebhookSecretProtected) : config.WebhookSecret.Trim(), config.ApiBase);
        }

        var key = Unprotect(s.SecretKeyProtected);
        return key is null ? null : new PaymentCredentials(key, string.IsNullOrWhiteSpace(config.WebhookSecret) ? Unprotect(s.WebhookSecretProtected) : config.WebhookSecret.Trim(), config.ApiBase);
    }

    private string? Unprotect(string? value) => value is null ? null : secrets.Unprotect(value);

    private static void ValidateKey(string? key, string[] prefixes, string what)
    {
        if (!string.IsNullOrWhiteSpace(key) && !prefixes.Any(p => key.Trim().StartsWith(p, StringComparison.Ordinal)))
        {
            throw new DomainException($"{what} must start with {string.Join(" or ", prefixes)}.");
        }
    }

    private static string? Clean(string? value, int max, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > max || trimmed.Any(c => char.IsControl(c) && c is not ('\n' or '\r')))
        {
            throw new DomainException($"{what} must be at most {max} characters of plain text.");
        }

        return trimmed;
    }

    private static LedgerRow ToRow(LedgerEntry x) => new(x.Id, x.Type.ToString(), x.Status.ToString(), x.AmountMinor, x.Currency,
        new Money(x.AmountMinor, x.Currency).ToString(), x.Counted, x.OccurredAt, x.DisplayName, x.Message, x.CheckoutSessionId, x.PaymentIntentId,
        x.InvoiceId, x.SubscriptionId, x.ChargeId, x.SourceEventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({Type}) was already handled")]
    private static partial void LogDuplicate(ILogger logger, string eventId, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({Type}) is not about the panel's donations; acknowledged and ignored")]
    private static partial void LogIgnored(ILogger logger, string eventId, string type);
}
