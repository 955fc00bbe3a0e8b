using Microsoft.Extensions.Logging;
using Panel.Domain.Donations;
using Stripe;
using Stripe.Checkout;

namespace Panel.Infrastructure.Stripe;

/// <summary>
/// Stripe through Stripe.net: Checkout sessions for donations, and webhook verification with the
/// library's own <see cref="EventUtility.ConstructEvent(string, string, string, long, bool)"/>. A client is made
/// per call from the current keys (the owner can change them at any time); the HTTP connection is shared.
/// </summary>
internal sealed partial class StripeGateway(IHttpClientFactory http, ILogger<StripeGateway> logger) : IPaymentGateway
{
    public const string HttpClientName = "stripe";

    /// <summary>How old a webhook's timestamp may be, as Stripe's libraries default to.</summary>
    public const long ToleranceSeconds = 300;

    public async Task<string> CreateCheckoutAsync(PaymentCredentials credentials, CheckoutRequest request, string idempotencyKey, CancellationToken cancellationToken)
    {
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = credentials.SecretKey,
            ApiBase = credentials.ApiBase ?? "https://api.stripe.com",
            HttpClient = new SystemNetHttpClient(http.CreateClient(HttpClientName), maxNetworkRetries: 2),
        });
        var metadata = new Dictionary<string, string>(request.Metadata) { [PanelPaymentMetadata.Marker] = "1" };
        var price = new SessionLineItemPriceDataOptions
        {
            Currency = request.Amount.Currency,
            UnitAmount = request.Amount.Minor,
            ProductData = new SessionLineItemPriceDataProductDataOptions { Name = request.ProductName },
        };
        var options = new SessionCreateOptions
        {
            SuccessUrl = request.SuccessUrl,
            CancelUrl = request.CancelUrl,
            LineItems = [new SessionLineItemOptions { PriceData = price, Quantity = 1 }],
            Metadata = metadata,
        };
        if (request.Monthly)
        {
            options.Mode = "subscription";
            price.Recurring = new SessionLineItemPriceDataRecurringOptions { Interval = "month" };
            // The subscription carries the marker too, so its invoices can be recognised later.
            options.SubscriptionData = new SessionSubscriptionDataOptions { Metadata = metadata };
        }
        else
        {
            options.Mode = "payment";
            options.SubmitType = "donate";
            options.PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata };
        }

        try
        {
            // Awaited as a plain Task, then read: an awaiter of Task<Session> is a struct field of this
            // method's state machine, and laying that out loaded Stripe.net whenever something listed
            // the assembly's types (EF's lookup of migrations at every start), donations or not (issue 25).
            var call = new SessionService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey }, cancellationToken);
            await (Task)call;
            var session = call.Result;
            LogCheckout(logger, session.Id, options.Mode);
            return session.Url;
        }
        catch (StripeException e)
        {
            LogStripeError(logger, e.StripeError?.Type ?? "unknown", e.StripeError?.Code ?? "");
            throw new Domain.Common.DomainException(e.StripeError?.Type == "authentication_error"
                ? "The payment provider refused the panel's key. The owner needs to check the Stripe settings."
                : "The payment provider could not start the payment. Try again in a moment.");
        }
        catch (HttpRequestException)
        {
            throw new Domain.Common.DomainException("The payment provider cannot be reached right now. Try again in a moment.");
        }
    }

    public PaymentEvent ParseWebhook(string payload, string? signatureHeader, string webhookSecret, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(signatureHeader))
        {
            throw new InvalidWebhookException("The Stripe-Signature header is missing.");
        }

        Event e;
        try
        {
            // The API version of the endpoint may differ from the library's: the fields the panel
            // reads are stable, so a mismatch is not a reason to drop money on the floor.
            e = EventUtility.ConstructEvent(payload, signatureHeader, webhookSecret, ToleranceSeconds, now.ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException ex)
        {
            throw new InvalidWebhookException(ex.Message.Contains("timestamp", StringComparison.OrdinalIgnoreCase)
                ? "The webhook's timestamp is outside the tolerance."
                : "The webhook's signature does not match.");
        }
        catch (Newtonsoft.Json.JsonException)
        {
            throw new InvalidWebhookException("The webhook's body is not a Stripe event.");
        }

        var created = new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc));
        return e.Data?.Object switch
        {
            Session s when e.Type is "checkout.session.completed" or "checkout.session.async_payment_succeeded" or "checkout.session.async_payment_failed" =>
                new CheckoutCompleted(e.Id, e.Type, created, e.Livemode, s.Id, s.Mode ?? "", s.PaymentStatus ?? "", s.AmountTotal ?? 0, s.Currency ?? "",
                    s.PaymentIntentId, s.SubscriptionId, Meta(s.Metadata)),
            Invoice i when e.Type is "invoice.paid" =>
                new InvoicePaid(e.Id, e.Type, created, e.Livemode, i.Id, i.Parent?.SubscriptionDetails?.SubscriptionId, i.AmountPaid, i.Currency ?? "",
                    i.Payments?.Data?.Select(p => p.Payment?.PaymentIntentId).FirstOrDefault(id => id is not null),
                    Meta(i.Parent?.SubscriptionDetails?.Metadata)),
            Subscription sub when e.Type is "customer.subscription.updated" or "customer.subscription.deleted" or "customer.subscription.created" =>
                new SubscriptionChanged(e.Id, e.Type, created, e.Livemode, sub.Id, sub.Status ?? "", sub.Items?.Data?.FirstOrDefault()?.Price?.UnitAmount,
                    sub.Currency ?? "", e.Type == "customer.subscription.deleted", Meta(sub.Metadata)),
            Charge c when e.Type is "charge.refunded" =>
                new ChargeRefunded(e.Id, e.Type, created, e.Livemode, c.Id, c.PaymentIntentId, c.Amount, c.AmountRefunded, c.Currency ?? ""),
            Dispute d when e.Type is "charge.dispute.created" =>
                new DisputeCreated(e.Id, e.Type, created, e.Livemode, d.Id, d.ChargeId, d.PaymentIntentId, d.Amount, d.Currency ?? ""),
            _ => new UnhandledEvent(e.Id, e.Type, created, e.Livemode),
        };
    }

    private static IReadOnlyDictionary<string, string> Meta(Dictionary<string, string>? metadata) =>
        metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Stripe Checkout session {SessionId} ({Mode})")]
    private static partial void LogCheckout(ILogger logger, string sessionId, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe refused a request: {Type} {Code}")]
    private static partial void LogStripeError(ILogger logger, string type, string code);
}
