using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Donations;

public sealed class DonatePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly FakeStripeApi _stripe = new();
    private PanelProcess _panel = default!;

    public async ValueTask InitializeAsync()
    {
        await _stripe.StartAsync();
        _panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-donate"), new Dictionary<string, string>
        {
            ["Panel__Donations__Stripe__SecretKey"] = "sk_test_donate_page",
            ["Panel__Donations__Stripe__WebhookSecret"] = "whsec_donate_page",
            ["Panel__Donations__Stripe__ApiBase"] = _stripe.BaseUrl,
        });
        var token = await _panel.CreateOwnerAndTokenAsync();
        await _panel.StartAsync();
        var saved = await _panel.CreateClient(token).PutAsJsonAsync("/api/v1/donations/settings", new
        {
            currency = "eur",
            suggestedAmountsMinor = new[] { 300, 500, 1000 },
            minimumMinor = 100,
            maximumMinor = 50000,
            costLines = new[] { new { name = "VPS", amountMinor = 2000, period = "Monthly" }, new { name = "Domain", amountMinor = 1200, period = "Yearly" } },
            publicMessage = "Our little server costs money every month.",
            showSupporters = true,
        });
        saved.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _panel.DisposeAsync();
        await _stripe.DisposeAsync();
    }

    [Fact]
    public async Task Donate_page_shows_the_funding_bar_and_the_amount_form_leads_to_checkout()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        var circuits = 0;
        var scripts = 0;
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/_blazor", StringComparison.Ordinal)) { circuits++; }
            if (r.ResourceType == "script") { scripts++; }
        };

        var donate = new DonatePage(page);
        await BrowserFixture.RunAsync(page, "donate", async () =>
        {
            await donate.OpenAsync();
            await Assertions.Expect(page.GetByText("Our little server costs money every month.")).ToBeVisibleAsync();
            await Assertions.Expect(donate.FundingBar).ToHaveAttributeAsync("aria-valuenow", "0");
            await Assertions.Expect(donate.FundingText).ToContainTextAsync("€21.00");
            await Assertions.Expect(page.GetByText("VPS")).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "donate");

            await donate.ChooseAmountAsync("€10.00");
            await donate.EveryMonthAsync();
            await donate.ShowNameAsync("Ada");
            await donate.ContinueAsync();

            await page.WaitForURLAsync(url => url.StartsWith(_stripe.BaseUrl + "/pay/", StringComparison.Ordinal));
            await Assertions.Expect(page.Locator("#fake-checkout")).ToBeVisibleAsync();
        }, _panel);

        var form = _stripe.Requests.Single().Form;
        form["mode"].ShouldBe("subscription");
        form["line_items[0][price_data][unit_amount]"].ShouldBe("1000");
        form["metadata[display_name]"].ShouldBe("Ada");
        form["metadata[show_name]"].ShouldBe("1");
        circuits.ShouldBe(0, "the donate page must not open a SignalR circuit");
        scripts.ShouldBe(0, "the donate page works without JavaScript");
    }

    [Fact]
    public async Task A_custom_amount_out_of_range_is_explained_and_goes_nowhere()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        var donate = new DonatePage(page);
        await BrowserFixture.RunAsync(page, "donate-bad-amount", async () =>
        {
            await donate.OpenAsync();
            await donate.ChooseAmountAsync("0.50");
            await donate.ContinueAsync();

            await Assertions.Expect(donate.Error).ToContainTextAsync("between €1.00 and €500.00");
        }, _panel);
        _stripe.Requests.ShouldBeEmpty();
    }
}
