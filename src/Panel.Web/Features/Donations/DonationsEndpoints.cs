using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Panel.Domain.Donations;
using Panel.Web.Api;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Site;
using Panel.Web.Hosting;

namespace Panel.Web.Features.Donations;

internal static class DonationsEndpoints
{
    public const int MaxWebhookBytes = 256 * 1024;

    public sealed record CheckoutResponse(string CheckoutUrl);

    public static RouteGroupBuilder MapDonationsApi(this RouteGroupBuilder api)
    {
        var donations = api.MapGroup("/donations").WithTags("Donations");
        donations.MapPost("/checkout", async (CheckoutStart body, DonationsService service, HttpContext http, PublicAddressService address, CancellationToken ct) =>
            {
                var key = http.Request.Headers.TryGetValue("Idempotency-Key", out var given) && given.ToString() is { Length: > 0 and <= 200 } k
                    ? DonationsService.IdempotencyKey(k, body)
                    : "hsp-" + Guid.NewGuid().ToString("N");
                var url = await service.StartCheckoutAsync(body, (await address.ResolveAsync(http, ct)).BaseUrl, key, ActorContext.ClientAddress(http), ct);
                return TypedResults.Ok(new CheckoutResponse(url));
            })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.PublicForm)
            .WithSummary("Start a donation (public): answers with the Stripe Checkout page to send the donor to");
        donations.MapGet("/", (DonationsService service, int? skip, int? take, CancellationToken ct) => service.LedgerAsync(skip ?? 0, take ?? 100, ct))
            .WithSummary("The ledger of donations, refunds and disputes, with the Stripe objects each came from");
        donations.MapGet("/pledges", (DonationsService service, CancellationToken ct) => service.PledgesAsync(ct))
            .WithSummary("Monthly supporters");
        donations.MapGet("/history", async (DonationsService service, CancellationToken ct) =>
            {
                var (history, runway) = await service.HistoryAsync(ct);
                return TypedResults.Ok(new { months = history, monthsOfRunway = runway });
            })
            .WithSummary("Income against costs per month, and the months of runway");
        donations.MapGet("/export.csv", async (DonationsService service, HttpContext http) =>
            {
                http.Response.ContentType = "text/csv; charset=utf-8";
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"donations-{DateTime.UtcNow:yyyyMMdd}.csv\"";
                await foreach (var line in service.ExportCsvAsync(http.RequestAborted))
                {
                    await http.Response.WriteAsync(line + "\n", http.RequestAborted);
                }
            })
            .WithSummary("The ledger as CSV");
        donations.MapGet("/settings", (DonationsService service, CancellationToken ct) => service.GetSettingsViewAsync(ct))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Donation settings (secret keys are never returned)");
        donations.MapPut("/settings", async (DonationSettingsRequest body, DonationsService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(await service.SaveSettingsAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Change donation settings and the Stripe keys");

        api.MapGet("/funding", (DonationsService service, string? month, CancellationToken ct) => service.FundingAsync(month, ct))
            .AllowAnonymous()
            .WithTags("Donations")
            .WithSummary("This month's funding (public): received, monthly pledges and costs, in minor units");
        return api;
    }

    /// <summary>
    /// <c>POST /stripe/webhook</c>: the raw body is verified against the signing secret before anything
    /// is read from it. A bad signature or a stale timestamp gets 400 and nothing is written.
    /// </summary>
    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/stripe/webhook", async (HttpContext http, DonationsService service) =>
            {
                if (http.Request.ContentLength is > MaxWebhookBytes)
                {
                    return Problems.Result(StatusCodes.Status413PayloadTooLarge, "Payload too large", "A Stripe event is never this large.");
                }

                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = MaxWebhookBytes;
                }

                string payload;
                using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
                {
                    payload = await reader.ReadToEndAsync(http.RequestAborted);
                }

                try
                {
                    var outcome = await service.HandleWebhookAsync(payload, http.Request.Headers["Stripe-Signature"], ActorContext.ClientAddress(http), http.RequestAborted);
                    return Results.Ok(new WebhookReceipt(true, outcome.ToString().ToLowerInvariant()));
                }
                catch (InvalidWebhookException e)
                {
                    return Problems.BadRequest(e.Message);
                }
            })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.Webhook)
            .ExcludeFromDescription();
        return endpoints;
    }
}

internal static class DonationsPageEndpoints
{
    /// <summary>CSV export for the donations page (cookie-authenticated, a GET that changes nothing).</summary>
    public static IEndpointRouteBuilder MapDonationsExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/donations/export.csv", async (DonationsService service, HttpContext http) =>
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"donations-{DateTime.UtcNow:yyyyMMdd}.csv\"";
            await foreach (var line in service.ExportCsvAsync(http.RequestAborted))
            {
                await http.Response.WriteAsync(line + "\n", http.RequestAborted);
            }
        }).ExcludeFromDescription();
        return endpoints;
    }
}
