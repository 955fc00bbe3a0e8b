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
        var page = new DonatePage(settings, View(settings), await FundingAsync(settings, null, cancellationToken), await SupportersAsync(settings, cancellationToken),
            (await homeserver.GetDeploymentAsync(cancellationToken))?.ServerName);
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
            var s = await db.DonationSettings.SingleOrAddAsync(DonationSettings.Default, cancellationToken);

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

    private string? Unprotect(string? value) => value is null ? null : secrets.Unprotect(value);

    private static void ValidateKey(string? key, string[] prefixes, string what)
    {
        if (!string.IsNullOrWhiteSpace(key) && !prefixes.Any(p => key.Trim().StartsWith(p, StringComparison.Ordinal)))
        {
            throw new DomainException($"{what} must start with {string.Join(" or ", prefixes)}.");
        }
    }
}
