using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Panel.Domain.Donations;
using Panel.Testing;
using Panel.Web.Features.Donations;
using Panel.Web.Tests.Host;

namespace Panel.Web.Tests.Donations;

/// <summary>A panel with Stripe test keys from configuration, and a webhook signing secret.</summary>
public class DonationsFactory : PanelWebFactory
{
    public const string WebhookSecret = "whsec_test_secret_for_the_panel";

    public DonationsFactory() : base(new()
    {
        ["Panel:Donations:Stripe:SecretKey"] = "sk_test_panel",
        ["Panel:Donations:Stripe:WebhookSecret"] = WebhookSecret,
        ["Panel:Donations:Currency"] = "eur",
    })
    {
        StripeEvents.ApiVersion = Stripe.StripeConfiguration.ApiVersion;
    }

    protected DonationsFactory(Dictionary<string, string?> settings) : base(settings)
    {
        StripeEvents.ApiVersion = Stripe.StripeConfiguration.ApiVersion;
    }

    public async Task<HttpResponseMessage> DeliverAsync(string payload, DateTimeOffset? signedAt = null, string secret = WebhookSecret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", StripeEvents.Sign(payload, secret, signedAt ?? DateTimeOffset.UtcNow));
        return await CreateApiClient().SendAsync(request);
    }

    public async Task<FundingReport> FundingAsync(string month) =>
        (await CreateApiClient().GetFromJsonAsync<FundingReport>($"/api/v1/funding?month={month}"))!;

    public async Task<List<LedgerRow>> LedgerAsync()
    {
        var owner = await EnsureOwnerAsync();
        return (await CreateApiClient(await CreateTokenAsync(owner.Id)).GetFromJsonAsync<List<LedgerRow>>("/api/v1/donations?take=1000", PanelApi.Json))!;
    }
}

public sealed class PostgresDonationsFactory : DonationsFactory
{
    private static readonly PostgresDatabase Database = Create();

    public PostgresDonationsFactory() : base(new()
    {
        ["Panel:Donations:Stripe:SecretKey"] = "sk_test_panel",
        ["Panel:Donations:Stripe:WebhookSecret"] = WebhookSecret,
        ["Panel:Database:Provider"] = "Postgres",
        ["ConnectionStrings:Panel"] = Database.ConnectionString,
    })
    {
    }

    private static PostgresDatabase Create()
    {
        var db = new PostgresDatabase();
        db.InitializeAsync().AsTask().GetAwaiter().GetResult();
        return db;
    }
}

public sealed class DonationWebhookTests(DonationsFactory panel) : IClassFixture<DonationsFactory>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Id(string prefix) => prefix + Guid.NewGuid().ToString("N")[..20];

    private static string CurrentMonth => Now.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<long> ReceivedAsync() => (await panel.FundingAsync(CurrentMonth)).ReceivedMinor;

    [Fact]
    public async Task One_time_donation_is_recorded_once_with_its_Stripe_ids_and_counts()
    {
        var before = await ReceivedAsync();
        var (session, pi) = (Id("cs_test_"), Id("pi_"));
        var payload = StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(session, "payment", "paid", 1500, pi, null, StripeEvents.Ours("Ada", show: true), Now), Now);

        var response = await panel.DeliverAsync(payload);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        (await ReceivedAsync()).ShouldBe(before + 1500);
        var row = (await panel.LedgerAsync()).Single(r => r.CheckoutSessionId == session);
        row.PaymentIntentId.ShouldBe(pi);
        row.AmountMinor.ShouldBe(1500);
        row.Status.ShouldBe("Succeeded");
        row.DisplayName.ShouldBe("Ada");
    }

    [Fact]
    public async Task The_donate_page_shows_a_new_supporter_at_once_though_it_keeps_its_figures_between_loads()
    {
        // Public pages lead to first-run setup until an owner exists; when this test runs first in
        // its class, nothing has made one yet.
        await panel.EnsureOwnerAsync();
        var client = panel.CreateApiClient();
        var name = "Grace" + Guid.NewGuid().ToString("N")[..6];
        (await client.GetStringAsync("/donate", Ct)).ShouldNotContain(name);
        (await client.GetStringAsync("/donate", Ct)).ShouldNotContain(name);

        var payload = StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 700, Id("pi_"), null, StripeEvents.Ours(name, show: true), Now), Now);
        (await panel.DeliverAsync(payload)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await client.GetStringAsync("/donate", Ct)).ShouldContain(name);
    }

    [Fact]
    public async Task Monthly_donation_becomes_a_pledge_and_each_invoice_is_a_payment_until_cancelled()
    {
        var (session, sub) = (Id("cs_test_"), Id("sub_"));
        var before = await panel.FundingAsync(CurrentMonth);
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(session, "subscription", "paid", 700, null, sub, StripeEvents.Ours("Grace"), Now), Now));
        await panel.DeliverAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(Id("in_"), sub, 700, StripeEvents.Ours("Grace"), Now), Now));

        var during = await panel.FundingAsync(CurrentMonth);
        during.PledgedMonthlyMinor.ShouldBe(before.PledgedMonthlyMinor + 700);
        during.ReceivedMinor.ShouldBe(before.ReceivedMinor + 700);

        await panel.DeliverAsync(StripeEvents.Event("customer.subscription.deleted", StripeEvents.Subscription(sub, "canceled", 700, StripeEvents.Ours("Grace"), Now), Now));

        var after = await panel.FundingAsync(CurrentMonth);
        after.PledgedMonthlyMinor.ShouldBe(before.PledgedMonthlyMinor);
        after.ReceivedMinor.ShouldBe(during.ReceivedMinor, "money received stays received");
    }

    [Fact]
    public async Task Subscription_update_changes_the_pledged_amount()
    {
        var sub = Id("sub_");
        var before = (await panel.FundingAsync(CurrentMonth)).PledgedMonthlyMinor;
        await panel.DeliverAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(sub, "active", 300, StripeEvents.Ours(), Now), Now));
        await panel.DeliverAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(sub, "active", 900, StripeEvents.Ours(), Now), Now));

        (await panel.FundingAsync(CurrentMonth)).PledgedMonthlyMinor.ShouldBe(before + 900);
    }

    [Fact]
    public async Task Full_and_partial_refunds_are_taken_off()
    {
        var before = await ReceivedAsync();
        var (pi1, pi2) = (Id("pi_"), Id("pi_"));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 1000, pi1, null, StripeEvents.Ours(), Now), Now));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 2000, pi2, null, StripeEvents.Ours(), Now), Now));

        await panel.DeliverAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(Id("ch_"), pi1, 1000, 1000, Now), Now));
        var charge2 = Id("ch_");
        await panel.DeliverAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(charge2, pi2, 2000, 500, Now), Now));
        // A second partial refund on the same charge: Stripe sends the total refunded so far.
        await panel.DeliverAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(charge2, pi2, 2000, 800, Now), Now));

        (await ReceivedAsync()).ShouldBe(before + 1000 + 2000 - 1000 - 800);
        var refunds = (await panel.LedgerAsync()).Where(r => r.PaymentIntentId == pi2 && r.Type == "Refund").ToList();
        refunds.Sum(r => r.AmountMinor).ShouldBe(-800);
    }

    [Fact]
    public async Task A_refund_arriving_before_its_checkout_completion_still_ends_up_right()
    {
        var before = await ReceivedAsync();
        var pi = Id("pi_");

        await panel.DeliverAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(Id("ch_"), pi, 1200, 400, Now), Now));
        (await ReceivedAsync()).ShouldBe(before, "a refund of a payment the panel has not seen yet does not count");
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 1200, pi, null, StripeEvents.Ours(), Now), Now));

        (await ReceivedAsync()).ShouldBe(before + 800);
    }

    [Fact]
    public async Task A_dispute_takes_the_money_off()
    {
        var before = await ReceivedAsync();
        var pi = Id("pi_");
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 500, pi, null, StripeEvents.Ours(), Now), Now));

        await panel.DeliverAsync(StripeEvents.Event("charge.dispute.created", StripeEvents.Dispute(Id("dp_"), Id("ch_"), pi, 500, Now), Now));

        (await ReceivedAsync()).ShouldBe(before);
        (await panel.LedgerAsync()).ShouldContain(r => r.Type == "Dispute" && r.PaymentIntentId == pi);
    }

    [Fact]
    public async Task Async_payments_count_only_once_they_are_paid()
    {
        var before = await ReceivedAsync();
        var (ok, failing) = (Id("cs_test_"), Id("cs_test_"));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(ok, "payment", "unpaid", 3000, Id("pi_"), null, StripeEvents.Ours(), Now), Now));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(failing, "payment", "unpaid", 4000, Id("pi_"), null, StripeEvents.Ours(), Now), Now));
        (await ReceivedAsync()).ShouldBe(before);

        await panel.DeliverAsync(StripeEvents.Event("checkout.session.async_payment_succeeded", StripeEvents.CheckoutSession(ok, "payment", "paid", 3000, null, null, StripeEvents.Ours(), Now), Now));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.async_payment_failed", StripeEvents.CheckoutSession(failing, "payment", "unpaid", 4000, null, null, StripeEvents.Ours(), Now), Now));

        (await ReceivedAsync()).ShouldBe(before + 3000);
        (await panel.LedgerAsync()).Single(r => r.CheckoutSessionId == failing).Status.ShouldBe("Failed");
    }

    [Fact]
    public async Task Payments_the_panel_did_not_start_are_acknowledged_and_ignored()
    {
        var before = await ReceivedAsync();
        var session = Id("cs_test_");

        var response = await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(session, "payment", "paid", 99900, Id("pi_"), null, new JsonObject { ["order"] = "t-shirt" }, Now), Now));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<WebhookReceipt>(Ct))!.Outcome.ShouldBe("ignored");
        (await ReceivedAsync()).ShouldBe(before);
        (await panel.LedgerAsync()).ShouldNotContain(r => r.CheckoutSessionId == session);
    }

    [Fact]
    public async Task Unknown_event_types_get_200_and_are_ignored()
    {
        var response = await panel.DeliverAsync(StripeEvents.Event("customer.created", new JsonObject { ["id"] = Id("cus_"), ["object"] = "customer" }, Now));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<WebhookReceipt>(Ct))!.Outcome.ShouldBe("ignored");
    }

    [Fact]
    public async Task A_bad_signature_gets_400_and_writes_nothing()
    {
        var before = await ReceivedAsync();
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 5000, Id("pi_"), null, StripeEvents.Ours(), Now), Now);

        var wrongSecret = await panel.DeliverAsync(payload, secret: "whsec_somebody_else");
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        var missing = await panel.CreateApiClient().SendAsync(unsigned, Ct);
        var tampered = await panel.DeliverAsync(payload.Replace("5000", "50000", StringComparison.Ordinal).Replace("\"amount_total\":50000", "\"amount_total\":5000", StringComparison.Ordinal), secret: "whsec_x");

        wrongSecret.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        wrongSecret.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tampered.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReceivedAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_stale_timestamp_gets_400_and_writes_nothing()
    {
        var before = await ReceivedAsync();
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 5000, Id("pi_"), null, StripeEvents.Ours(), Now), Now);

        var stale = await panel.DeliverAsync(payload, signedAt: DateTimeOffset.UtcNow.AddMinutes(-10));

        stale.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await stale.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Detail!.ShouldContain("timestamp");
        (await ReceivedAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_live_mode_event_is_rejected_when_the_panel_uses_a_test_key()
    {
        var before = await ReceivedAsync();

        var live = await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(Id("cs_live_"), "payment", "paid", 5000, Id("pi_"), null, StripeEvents.Ours(), Now), Now, livemode: true));

        live.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ReceivedAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Funding_counts_each_payment_in_the_month_it_was_made()
    {
        var lastOfOctober = new DateTimeOffset(2026, 10, 31, 23, 59, 59, TimeSpan.Zero);
        var firstOfNovember = new DateTimeOffset(2026, 11, 1, 0, 0, 1, TimeSpan.Zero);
        var beforeOct = (await panel.FundingAsync("2026-10")).ReceivedMinor;
        var beforeNov = (await panel.FundingAsync("2026-11")).ReceivedMinor;

        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 111, Id("pi_"), null, StripeEvents.Ours(), lastOfOctober), lastOfOctober));
        await panel.DeliverAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(Id("cs_test_"), "payment", "paid", 222, Id("pi_"), null, StripeEvents.Ours(), firstOfNovember), firstOfNovember));

        (await panel.FundingAsync("2026-10")).ReceivedMinor.ShouldBe(beforeOct + 111);
        var november = await panel.FundingAsync("2026-11");
        november.ReceivedMinor.ShouldBe(beforeNov + 222);
        november.Month.ShouldBe("2026-11");
        november.Currency.ShouldBe("eur");
        (await panel.CreateApiClient().GetAsync("/api/v1/funding?month=November", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

/// <summary>Duplicate deliveries, on both databases: the event id's unique key makes them harmless.</summary>
public abstract class DuplicateDeliveryCases<TFactory>(TFactory panel) : IClassFixture<TFactory>
    where TFactory : DonationsFactory
{
    [Fact]
    public async Task A_hundred_concurrent_deliveries_of_one_event_make_one_ledger_row()
    {
        var session = "cs_test_" + Guid.NewGuid().ToString("N")[..20];
        var now = DateTimeOffset.UtcNow;
        var payload = StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession(session, "payment", "paid", 4200, "pi_" + Guid.NewGuid().ToString("N")[..20], null, StripeEvents.Ours(), now), now);
        var start = new TaskCompletionSource();
        await panel.LedgerAsync(); // the test host is built once, before the race

        var deliveries = Enumerable.Range(0, 100).Select(async _ =>
        {
            await start.Task;
            return await panel.DeliverAsync(payload);
        }).ToList();
        start.SetResult();
        var responses = await Task.WhenAll(deliveries);

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        (await panel.LedgerAsync()).Count(r => r.CheckoutSessionId == session).ShouldBe(1);
    }
}

public sealed class SqliteDuplicateDeliveryTests(DonationsFactory panel) : DuplicateDeliveryCases<DonationsFactory>(panel);

public sealed class PostgresDuplicateDeliveryTests(PostgresDonationsFactory panel) : DuplicateDeliveryCases<PostgresDonationsFactory>(panel);
