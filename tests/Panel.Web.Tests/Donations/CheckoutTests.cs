using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;
using Panel.Web.Tests.Host;

namespace Panel.Web.Tests.Donations;

/// <summary>A panel whose Stripe client talks to a local fake of Stripe's API, which records the requests.</summary>
public sealed class CheckoutFactory : PanelWebFactory, IAsyncLifetime
{
    public static readonly FakeStripeApi Stripe = StartStripe();

    public CheckoutFactory() : base(new()
    {
        ["Panel:Donations:Stripe:SecretKey"] = "sk_test_checkout",
        ["Panel:Donations:Stripe:WebhookSecret"] = "whsec_checkout",
        ["Panel:Donations:Stripe:ApiBase"] = Stripe.BaseUrl,
        ["Panel:PublicUrl"] = "https://panel.example.org",
    })
    {
    }

    private static FakeStripeApi StartStripe()
    {
        var api = new FakeStripeApi();
        api.StartAsync().GetAwaiter().GetResult();
        return api;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await base.DisposeAsync();
    }
}

public sealed class CheckoutTests(CheckoutFactory panel) : IClassFixture<CheckoutFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<RecordedRequest> CheckoutAsync(object body, string idempotencyKey)
    {
        var before = CheckoutFactory.Stripe.Requests.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/donations/checkout") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await panel.CreateApiClient().SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("checkoutUrl").GetString()!.ShouldStartWith(CheckoutFactory.Stripe.BaseUrl + "/pay/cs_test_");
        CheckoutFactory.Stripe.Requests.Count.ShouldBe(before + 1);
        return CheckoutFactory.Stripe.Requests[^1];
    }

    [Fact]
    public async Task One_time_creates_a_payment_mode_session_marked_as_the_panels()
    {
        var sent = await CheckoutAsync(new { amountMinor = 500, currency = "eur", recurring = false, displayName = "Ada", message = "Thanks!", showName = true }, "one-time-1");

        sent.Path.ShouldBe("/v1/checkout/sessions");
        sent.Headers["Authorization"].ShouldBe("Bearer sk_test_checkout");
        sent.Headers.ShouldContainKey("Idempotency-Key");
        sent.Headers["Idempotency-Key"].ShouldStartWith("hsp-");
        var form = sent.Form;
        form["mode"].ShouldBe("payment");
        form["submit_type"].ShouldBe("donate");
        form["line_items[0][price_data][unit_amount]"].ShouldBe("500");
        form["line_items[0][price_data][currency]"].ShouldBe("eur");
        form["line_items[0][quantity]"].ShouldBe("1");
        form.ShouldNotContainKey("line_items[0][price_data][recurring][interval]");
        form["success_url"].ShouldBe("https://panel.example.org/donate/thanks?session_id={CHECKOUT_SESSION_ID}");
        form["cancel_url"].ShouldBe("https://panel.example.org/donate/cancelled");
        form["metadata[homeserver_panel]"].ShouldBe("1");
        form["metadata[display_name]"].ShouldBe("Ada");
        form["metadata[message]"].ShouldBe("Thanks!");
        form["metadata[show_name]"].ShouldBe("1");
        form["payment_intent_data[metadata][homeserver_panel]"].ShouldBe("1");
    }

    [Fact]
    public async Task Monthly_creates_a_subscription_session_with_a_monthly_price_and_marked_subscription()
    {
        var sent = await CheckoutAsync(new { amountMinor = 1000, currency = "eur", recurring = true }, "monthly-1");

        var form = sent.Form;
        form["mode"].ShouldBe("subscription");
        form["line_items[0][price_data][unit_amount]"].ShouldBe("1000");
        form["line_items[0][price_data][recurring][interval]"].ShouldBe("month");
        form["subscription_data[metadata][homeserver_panel]"].ShouldBe("1");
        form["metadata[homeserver_panel]"].ShouldBe("1");
        form.ShouldNotContainKey("submit_type");
    }

    [Fact]
    public async Task The_same_submission_uses_the_same_idempotency_key()
    {
        var body = new { amountMinor = 700, currency = "eur", recurring = false };

        var first = await CheckoutAsync(body, "double-click");
        var second = await CheckoutAsync(body, "double-click");
        var other = await CheckoutAsync(body, "another-visit");

        second.Headers["Idempotency-Key"].ShouldBe(first.Headers["Idempotency-Key"]);
        other.Headers["Idempotency-Key"].ShouldNotBe(first.Headers["Idempotency-Key"]);
    }

    [Theory]
    [InlineData(50, "eur")]
    [InlineData(10_000_000, "eur")]
    [InlineData(500, "xyz")]
    [InlineData(500, "usd")]
    [InlineData(-5, "eur")]
    public async Task Amounts_out_of_range_or_another_currency_get_400_and_reach_no_Stripe(long amount, string currency)
    {
        var before = CheckoutFactory.Stripe.Requests.Count;

        var response = await panel.CreateApiClient().PostAsJsonAsync("/api/v1/donations/checkout", new { amountMinor = amount, currency, recurring = false }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        CheckoutFactory.Stripe.Requests.Count.ShouldBe(before);
    }

    [Fact]
    public async Task Settings_keep_secrets_encrypted_and_never_return_them()
    {
        var owner = await panel.EnsureOwnerAsync();
        var api = panel.CreateApiClient(await panel.CreateTokenAsync(owner.Id));

        var saved = await api.PutAsJsonAsync("/api/v1/donations/settings", new
        {
            currency = "eur",
            suggestedAmountsMinor = new[] { 300, 500, 1000 },
            minimumMinor = 100,
            maximumMinor = 50000,
            costLines = new[] { new { name = "VPS", amountMinor = 2000, period = "Monthly" }, new { name = "Domain", amountMinor = 1200, period = "Yearly" } },
            publicMessage = "Thank you for keeping us running.",
            externalLinks = new[] { new { label = "Liberapay", url = "https://liberapay.com/example" } },
            showSupporters = true,
        }, Ct);

        saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync(Ct));
        var view = await saved.Content.ReadFromJsonAsync<JsonElement>(Ct);
        view.GetProperty("monthlyCostsMinor").GetInt64().ShouldBe(2100);
        view.GetProperty("stripeConfigured").GetBoolean().ShouldBeTrue();
        view.GetProperty("keysFromConfiguration").GetBoolean().ShouldBeTrue();
        (await saved.Content.ReadAsStringAsync(Ct)).ShouldNotContain("sk_test_checkout");
        (await panel.CreateApiClient().GetFromJsonAsync<JsonElement>("/api/v1/funding", Ct)).GetProperty("costsMinor").GetInt64().ShouldBe(2100);

        var bad = await api.PutAsJsonAsync("/api/v1/donations/settings", new { minimumMinor = 500, maximumMinor = 100 }, Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var badLink = await api.PutAsJsonAsync("/api/v1/donations/settings", new { externalLinks = new[] { new { label = "x", url = "javascript:alert(1)" } } }, Ct);
        badLink.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
