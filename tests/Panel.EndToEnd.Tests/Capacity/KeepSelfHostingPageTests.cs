using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.Capacity;

namespace Panel.EndToEnd.Tests.Capacity;

/// <summary>A homeserver with running costs, a donation through a signed Stripe webhook, people who use it, and snapshots of it.</summary>
public sealed class CapacityPageFixture() : InstalledHomeserverFixture(new Dictionary<string, string>
{
    ["Panel__Donations__Stripe__SecretKey"] = "sk_test_capacity_page",
    ["Panel__Donations__Stripe__WebhookSecret"] = WebhookSecret,
    [GrowthSteps.TrackWorkloadUsers.Key] = GrowthSteps.TrackWorkloadUsers.Value,
    [GrowthSteps.ShortWarmUp.Key] = GrowthSteps.ShortWarmUp.Value,
}, "capacity.example.test")
{
    public const string WebhookSecret = "whsec_capacity_page";

    public string RoomId { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        (await Api.Http.PutAsJsonAsync("/api/v1/donations/settings", new
        {
            currency = "eur",
            suggestedAmountsMinor = new[] { 500 },
            minimumMinor = 100,
            maximumMinor = 50000,
            costLines = new[] { new { name = "VPS", amountMinor = 1800, period = "Monthly" }, new { name = "Domain", amountMinor = 2400, period = "Yearly" } },
            publicMessage = "Our server",
            showSupporters = false,
        })).EnsureSuccessStatusCode();

        // A donation as Stripe sends it: a signed checkout.session.completed.
        StripeEvents.ApiVersion = Stripe.StripeConfiguration.ApiVersion;
        var now = DateTimeOffset.UtcNow;
        var payload = StripeEvents.Event("checkout.session.completed",
            StripeEvents.CheckoutSession("cs_test_capacity", "payment", "paid", 4500, "pi_capacity", null, StripeEvents.Ours("Ada"), now), now);
        using var webhook = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        webhook.Headers.Add("Stripe-Signature", StripeEvents.Sign(payload, WebhookSecret, now));
        (await Process.CreateClient().SendAsync(webhook)).EnsureSuccessStatusCode();

        // People who use the server: a few rooms, and a minute of syncing and talking.
        using var workload = new SynapseWorkload(new Uri(await ClientUrlAsync()));
        var admin = await SharedSecretAdmin.RegisterAsync(workload.Http, await SharedSecretAdmin.ReadSecretAsync(SynapseContainer));
        var settings = WorkloadSettings.Light with { Duration = TimeSpan.FromSeconds(20) };
        var population = await workload.PopulateAsync(admin, ServerName, settings);
        await workload.RunAsync(population, settings);
        RoomId = population.Rooms[0].RoomId;
        for (var i = 0; i < 3; i++)
        {
            await Api.PostAsync<CapacitySnapshotView>("/api/v1/capacity/snapshots", new { }, HttpStatusCode.OK);
        }
    }
}

/// <summary>The Keep self-hosting? page in Chromium, on a server with costs, donations and history.</summary>
public sealed class KeepSelfHostingPageTests(CapacityPageFixture hs, BrowserFixture browser) : IClassFixture<CapacityPageFixture>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_owner_reads_the_verdict_with_its_figures_and_asks_what_a_room_would_cost_on_desktop_and_phone()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var capacity = new CapacityPage(page);
        await BrowserFixture.RunAsync(page, "capacity", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            // The dashboard's first card is the verdict, with a link to its figures.
            await Assertions.Expect(page.GetByTestId("verdict-sentence")).ToContainTextAsync("Keep it", new() { Timeout = 30_000 });

            await capacity.OpenAsync();
            await Assertions.Expect(capacity.Verdict).ToContainTextAsync("Keep it: donations cover");
            // 18 € a month and 24 € a year: 20 € a month; 45 € in the last 3 months covers 75 %.
            await Assertions.Expect(capacity.Costs).ToContainTextAsync("€20.00");
            await Assertions.Expect(capacity.Costs).ToContainTextAsync("per active user");
            await Assertions.Expect(capacity.WhoPays).ToContainTextAsync("75 %");
            await Assertions.Expect(capacity.Friend).ToContainTextAsync("One more friend like your current ones costs about");
            await Assertions.Expect(capacity.Figures).ToContainTextAsync("the cost lines kept for the donate page");
            await Assertions.Expect(capacity.Figures).ToContainTextAsync("last seen by the homeserver");

            await capacity.AskAboutRoomAsync(hs.RoomId);
            await Assertions.Expect(capacity.Answer).ToContainTextAsync("members");
            await Assertions.Expect(capacity.Answer).ToContainTextAsync("about");
            await capacity.AskAboutRoomAsync("#nowhere:capacity.example.test");
            await Assertions.Expect(page.GetByText("No room #nowhere:capacity.example.test is known")).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "capacity");

            await page.SetViewportSizeAsync(390, 844);
            await capacity.ReloadAsync();
            await Assertions.Expect(capacity.Verdict).ToBeVisibleAsync();
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await BrowserFixture.ScreenshotAsync(page, "capacity-phone");
        }, hs.Process);

        // The people who synced and talked count as active (seen by the homeserver), the panel's own account does not.
        var report = await hs.Api.GetAsync<CapacityReport>("/api/v1/verdict");
        report.Costs.ActiveUsers.ShouldNotBeNull();
        report.Costs.ActiveUsers.Value.ShouldBeGreaterThanOrEqualTo(4, "the four syncing users at least");
        report.Friend.ShouldNotBeNull();
        report.Friend.PerFriend.ActiveUsers.ShouldBe(1);
    }
}
