using Panel.Domain.Donations;

namespace Panel.Web.Features.Donations;

// The requests and views of donations: settings, checkout, the ledger and the public page.

/// <summary>What the public donate page shows; shared between requests, so read it, never change it.</summary>
/// <summary>What the public donate page shows; <c>ServerName</c> is null until a homeserver is installed or attached.</summary>
public sealed record DonatePage(DonationSettings Settings, DonationSettingsView View, FundingReport Funding, IReadOnlyList<string> Supporters, string? ServerName = null);

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

/// <summary>What the webhook answers Stripe: received, and whether the event was applied, a duplicate or ignored.</summary>
public sealed record WebhookReceipt(bool Received, string Outcome);
