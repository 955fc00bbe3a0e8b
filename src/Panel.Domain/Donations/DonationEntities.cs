using Panel.Domain.Common;

namespace Panel.Domain.Donations;

public enum CostPeriod
{
    Monthly = 0,
    Yearly = 1,
}

/// <summary>One running cost, such as "VPS, €20 a month" or "domain, €12 a year".</summary>
public sealed record CostLine(string Name, long AmountMinor, CostPeriod Period)
{
    public long MonthlyMinor => Period == CostPeriod.Monthly ? AmountMinor : (long)Math.Round(AmountMinor / 12.0, MidpointRounding.AwayFromZero);
}

public sealed record ExternalLink(string Label, string Url);

/// <summary>How the owner takes donations, and what the server costs. One row per panel.</summary>
public sealed class DonationSettings
{
    public const int SingletonId = 1;
    public const int MaxCostLines = 30;
    public const int MaxMessageLength = 2000;

    private DonationSettings() { }

    public int Id { get; private set; } = SingletonId;

    public string Currency { get; private set; } = "eur";

    public List<long> SuggestedAmountsMinor { get; private set; } = [300, 500, 1000, 2000];

    public long MinimumMinor { get; private set; } = 100;

    public long MaximumMinor { get; private set; } = 100_000;

    public List<CostLine> CostLines { get; private set; } = [];

    public string? PublicMessage { get; private set; }

    public List<ExternalLink> ExternalLinks { get; private set; } = [];

    public bool ShowSupporters { get; private set; } = true;

    public string? SecretKeyProtected { get; private set; }

    public string? PublishableKey { get; private set; }

    public string? WebhookSecretProtected { get; private set; }

    public static DonationSettings Default() => new();

    public long MonthlyCostsMinor => CostLines.Sum(c => c.MonthlyMinor);

    public void Change(string currency, IEnumerable<long> suggested, long minimum, long maximum, IEnumerable<CostLine> costs, string? message, IEnumerable<ExternalLink> links, bool showSupporters)
    {
        var c = Money.NormalizeCurrency(currency);
        if (minimum < 1 || maximum < minimum || maximum > 100_000_000)
        {
            throw new DomainException("The minimum must be at least 1 minor unit, and the maximum at least the minimum (and at most 100,000,000).");
        }

        var amounts = suggested.Distinct().Order().ToList();
        if (amounts.Count > 8 || amounts.Any(a => a < minimum || a > maximum))
        {
            throw new DomainException("Offer up to 8 suggested amounts, each between the minimum and the maximum.");
        }

        var lines = costs.ToList();
        if (lines.Count > MaxCostLines)
        {
            throw new DomainException($"At most {MaxCostLines} cost lines.");
        }

        foreach (var line in lines)
        {
            Guard.NotBlank(line.Name, "A cost line's name", 100);
            if (line.AmountMinor is < 0 or > 100_000_000)
            {
                throw new DomainException($"The cost '{line.Name}' must be between 0 and 1,000,000.");
            }
        }

        var externalLinks = links.ToList();
        foreach (var link in externalLinks)
        {
            Guard.NotBlank(link.Label, "A link's label", 60);
            if (!Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) || uri.Scheme != "https")
            {
                throw new DomainException($"The link '{link.Label}' must be an https:// address.");
            }
        }

        Currency = c;
        SuggestedAmountsMinor = amounts;
        MinimumMinor = minimum;
        MaximumMinor = maximum;
        CostLines = lines.Select(l => l with { Name = l.Name.Trim() }).ToList();
        PublicMessage = Guard.Optional(message, "The public message", MaxMessageLength);
        ExternalLinks = externalLinks.Take(5).ToList();
        ShowSupporters = showSupporters;
    }

    public void SetStripeKeys(string? secretKeyProtected, string? publishableKey, string? webhookSecretProtected)
    {
        SecretKeyProtected = secretKeyProtected ?? SecretKeyProtected;
        PublishableKey = publishableKey ?? PublishableKey;
        WebhookSecretProtected = webhookSecretProtected ?? WebhookSecretProtected;
    }

    public void ClearStripeKeys()
    {
        SecretKeyProtected = null;
        PublishableKey = null;
        WebhookSecretProtected = null;
    }

    /// <summary>Checks an amount a donor chose against the owner's range.</summary>
    public Money Validate(long amountMinor, string currency)
    {
        var c = Money.NormalizeCurrency(currency);
        if (c != Currency)
        {
            throw new DomainException($"Donations are taken in {Currency.ToUpperInvariant()}, not {c.ToUpperInvariant()}.");
        }

        if (amountMinor < MinimumMinor || amountMinor > MaximumMinor)
        {
            throw new DomainException($"Choose an amount between {new Money(MinimumMinor, Currency)} and {new Money(MaximumMinor, Currency)}.");
        }

        return new Money(amountMinor, Currency);
    }
}

public enum LedgerEntryType
{
    Donation = 0,
    MonthlyPayment = 1,
    Refund = 2,
    Dispute = 3,
}

public enum LedgerStatus
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>
/// One line of the donations ledger: money in (a donation, a monthly payment) or out (a refund, a
/// dispute), with the Stripe objects it came from. Refunds and disputes count only once the payment
/// they belong to is known to be the panel's, so they may arrive in any order.
/// </summary>
public sealed class LedgerEntry
{
    private LedgerEntry() { }

    public Guid Id { get; private set; }

    public LedgerEntryType Type { get; private set; }

    public LedgerStatus Status { get; private set; }

    /// <summary>Positive for money in, negative for money out.</summary>
    public long AmountMinor { get; private set; }

    public string Currency { get; private set; } = "";

    /// <summary>Whether it belongs to a payment the panel made (refunds may come before their payment).</summary>
    public bool Counted { get; private set; }

    public DateTimeOffset OccurredAt { get; private set; }

    public string SourceEventId { get; private set; } = "";

    public string? CheckoutSessionId { get; private set; }

    public string? PaymentIntentId { get; private set; }

    public string? InvoiceId { get; private set; }

    public string? SubscriptionId { get; private set; }

    public string? ChargeId { get; private set; }

    public string? DisplayName { get; private set; }

    public string? Message { get; private set; }

    public bool ShowName { get; private set; }

    public static LedgerEntry Payment(LedgerEntryType type, LedgerStatus status, Money amount, DateTimeOffset at, string eventId, string? checkoutSessionId,
        string? paymentIntentId, string? invoiceId, string? subscriptionId, string? displayName, string? message, bool showName)
    {
        if (type is not (LedgerEntryType.Donation or LedgerEntryType.MonthlyPayment) || amount.Minor < 0)
        {
            throw new DomainException("A payment is a positive donation or monthly payment.");
        }

        return new LedgerEntry
        {
            Id = Guid.NewGuid(),
            Type = type,
            Status = status,
            AmountMinor = amount.Minor,
            Currency = amount.Currency,
            Counted = true,
            OccurredAt = at.ToUniversalTime(),
            SourceEventId = eventId,
            CheckoutSessionId = checkoutSessionId,
            PaymentIntentId = paymentIntentId,
            InvoiceId = invoiceId,
            SubscriptionId = subscriptionId,
            DisplayName = Trim(displayName, 80),
            Message = Trim(message, 500),
            ShowName = showName && !string.IsNullOrWhiteSpace(displayName),
        };
    }

    public static LedgerEntry Reversal(LedgerEntryType type, Money amount, DateTimeOffset at, string eventId, string? paymentIntentId, string? chargeId, bool counted)
    {
        if (type is not (LedgerEntryType.Refund or LedgerEntryType.Dispute) || amount.Minor <= 0)
        {
            throw new DomainException("A reversal is a refund or dispute of a positive amount.");
        }

        return new LedgerEntry
        {
            Id = Guid.NewGuid(),
            Type = type,
            Status = LedgerStatus.Succeeded,
            AmountMinor = -amount.Minor,
            Currency = amount.Currency,
            Counted = counted,
            OccurredAt = at.ToUniversalTime(),
            SourceEventId = eventId,
            PaymentIntentId = paymentIntentId,
            ChargeId = chargeId,
        };
    }

    public void Succeed(DateTimeOffset at)
    {
        Status = LedgerStatus.Succeeded;
        OccurredAt = at.ToUniversalTime();
    }

    public void Fail() => Status = LedgerStatus.Failed;

    public void Count() => Counted = true;

    private static string? Trim(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().Length > max ? value.Trim()[..max] : value.Trim();
}

public enum PledgeStatus
{
    Active = 0,
    Canceled = 1,
    PastDue = 2,
}

/// <summary>A monthly donation (a Stripe subscription the panel created).</summary>
public sealed class Pledge
{
    private Pledge() { }

    public string SubscriptionId { get; private set; } = "";

    public long AmountMinor { get; private set; }

    public string Currency { get; private set; } = "";

    public PledgeStatus Status { get; private set; }

    public string? DisplayName { get; private set; }

    public bool ShowName { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    public static Pledge Start(string subscriptionId, Money monthly, string? displayName, bool showName, DateTimeOffset at) => new()
    {
        SubscriptionId = subscriptionId,
        AmountMinor = monthly.Minor,
        Currency = monthly.Currency,
        Status = PledgeStatus.Active,
        DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(),
        ShowName = showName && !string.IsNullOrWhiteSpace(displayName),
        StartedAt = at.ToUniversalTime(),
    };

    public void Update(PledgeStatus status, Money? monthly, DateTimeOffset at)
    {
        Status = status;
        if (monthly is { } m)
        {
            AmountMinor = m.Minor;
            Currency = m.Currency;
        }

        EndedAt = status == PledgeStatus.Canceled ? EndedAt ?? at.ToUniversalTime() : null;
    }
}

/// <summary>A Stripe event that has been handled; its id is unique, so a repeated delivery changes nothing.</summary>
public sealed class ProcessedStripeEvent
{
    private ProcessedStripeEvent() { }

    public string EventId { get; private set; } = "";

    public string Type { get; private set; } = "";

    public DateTimeOffset ReceivedAt { get; private set; }

    public static ProcessedStripeEvent Of(string eventId, string type, DateTimeOffset at) => new() { EventId = eventId, Type = type, ReceivedAt = at };
}
