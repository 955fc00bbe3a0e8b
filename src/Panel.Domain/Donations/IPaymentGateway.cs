namespace Panel.Domain.Donations;

/// <summary>The keys of the payment provider, from configuration or from the owner's settings.</summary>
public sealed record PaymentCredentials(string SecretKey, string? WebhookSecret, string? ApiBase = null)
{
    /// <summary>Live keys take real money; test keys do not. Events must match.</summary>
    public bool Live => SecretKey.StartsWith("sk_live_", StringComparison.Ordinal) || SecretKey.StartsWith("rk_live_", StringComparison.Ordinal);
}

public sealed record CheckoutRequest(
    Money Amount,
    bool Monthly,
    string ProductName,
    string SuccessUrl,
    string CancelUrl,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The payment provider (Stripe) as the donations feature needs it: make a hosted checkout page,
/// and turn a signed webhook delivery into a <see cref="PaymentEvent"/>.
/// </summary>
public interface IPaymentGateway
{
    /// <summary>Creates a checkout session and returns the URL to send the donor to.</summary>
    Task<string> CreateCheckoutAsync(PaymentCredentials credentials, CheckoutRequest request, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Verifies the signature and timestamp, then reads the event. Throws <see cref="InvalidWebhookException"/>.</summary>
    PaymentEvent ParseWebhook(string payload, string? signatureHeader, string webhookSecret, DateTimeOffset now);
}

public sealed class InvalidWebhookException(string message) : Common.DomainException(message);

/// <summary>The metadata key the panel puts on everything it creates in Stripe: only these payments count.</summary>
public static class PanelPaymentMetadata
{
    public const string Marker = "homeserver_panel";
    public const string DisplayName = "display_name";
    public const string Message = "message";
    public const string ShowName = "show_name";

    public static bool IsOurs(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(Marker, out var v) && v == "1";
}

public abstract record PaymentEvent(string EventId, string Type, DateTimeOffset Created, bool Livemode);

public sealed record CheckoutCompleted(
    string EventId, string Type, DateTimeOffset Created, bool Livemode,
    string SessionId, string Mode, string PaymentStatus, long AmountTotal, string Currency,
    string? PaymentIntentId, string? SubscriptionId, IReadOnlyDictionary<string, string> Metadata) : PaymentEvent(EventId, Type, Created, Livemode);

public sealed record InvoicePaid(
    string EventId, string Type, DateTimeOffset Created, bool Livemode,
    string InvoiceId, string? SubscriptionId, long AmountPaid, string Currency, string? PaymentIntentId,
    IReadOnlyDictionary<string, string> SubscriptionMetadata) : PaymentEvent(EventId, Type, Created, Livemode);

public sealed record SubscriptionChanged(
    string EventId, string Type, DateTimeOffset Created, bool Livemode,
    string SubscriptionId, string Status, long? MonthlyAmount, string Currency, bool Deleted,
    IReadOnlyDictionary<string, string> Metadata) : PaymentEvent(EventId, Type, Created, Livemode);

public sealed record ChargeRefunded(
    string EventId, string Type, DateTimeOffset Created, bool Livemode,
    string ChargeId, string? PaymentIntentId, long Amount, long AmountRefunded, string Currency) : PaymentEvent(EventId, Type, Created, Livemode);

public sealed record DisputeCreated(
    string EventId, string Type, DateTimeOffset Created, bool Livemode,
    string DisputeId, string? ChargeId, string? PaymentIntentId, long Amount, string Currency) : PaymentEvent(EventId, Type, Created, Livemode);

public sealed record UnhandledEvent(string EventId, string Type, DateTimeOffset Created, bool Livemode) : PaymentEvent(EventId, Type, Created, Livemode);
