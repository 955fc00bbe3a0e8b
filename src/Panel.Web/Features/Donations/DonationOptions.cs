using Microsoft.Extensions.Options;
using Panel.Domain.Donations;

namespace Panel.Web.Features.Donations;

/// <summary>
/// The <c>Panel:Donations</c> section. Keys set here win over the ones the owner stores in the panel
/// (which are encrypted at rest); the settings page then shows them as set by configuration.
/// </summary>
public sealed class DonationOptions
{
    public const string Section = "Panel:Donations";

    public string? Currency { get; set; }

    public StripeOptions Stripe { get; set; } = new();

    public sealed class StripeOptions
    {
        public string? SecretKey { get; set; }

        public string? PublishableKey { get; set; }

        public string? WebhookSecret { get; set; }

        /// <summary>Stripe's API address; only changed to point the panel at a local test endpoint.</summary>
        public string? ApiBase { get; set; }
    }
}

internal sealed class DonationOptionsValidator : IValidateOptions<DonationOptions>
{
    public ValidateOptionsResult Validate(string? name, DonationOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Currency) && !Money.Supported.Contains(options.Currency.Trim().ToLowerInvariant()))
        {
            errors.Add($"Panel:Donations:Currency '{options.Currency}' is not a supported currency ({string.Join(", ", Money.Supported.Order())}).");
        }

        var stripe = options.Stripe;
        if (!string.IsNullOrWhiteSpace(stripe.SecretKey) && !(stripe.SecretKey.StartsWith("sk_", StringComparison.Ordinal) || stripe.SecretKey.StartsWith("rk_", StringComparison.Ordinal)))
        {
            errors.Add("Panel:Donations:Stripe:SecretKey must be a Stripe secret key (sk_...) or restricted key (rk_...).");
        }

        if (!string.IsNullOrWhiteSpace(stripe.PublishableKey) && !stripe.PublishableKey.StartsWith("pk_", StringComparison.Ordinal))
        {
            errors.Add("Panel:Donations:Stripe:PublishableKey must be a Stripe publishable key (pk_...).");
        }

        if (!string.IsNullOrWhiteSpace(stripe.WebhookSecret) && !stripe.WebhookSecret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            errors.Add("Panel:Donations:Stripe:WebhookSecret must be a webhook signing secret (whsec_...).");
        }

        if (!string.IsNullOrWhiteSpace(stripe.ApiBase) && (!Uri.TryCreate(stripe.ApiBase, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Panel:Donations:Stripe:ApiBase '{stripe.ApiBase}' must be an http(s) URL.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
