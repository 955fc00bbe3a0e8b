using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Donations;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Donations;

// Checkout: a donor's payment, started with Stripe.
public sealed partial class DonationsService
{
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
}
