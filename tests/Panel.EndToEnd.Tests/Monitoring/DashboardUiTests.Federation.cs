using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Web.Features.Federation;

namespace Panel.EndToEnd.Tests.Monitoring;

/// <summary>
/// The federation self-check as an owner meets it on a machine whose name is not in DNS: the first
/// step fails with its fix and the rest wait for it. (Passing steps: FederationProbeTests on stub
/// servers; the federated Synapse pair is the next step of issue 23.)
/// </summary>
public sealed partial class DashboardUiTests
{
    [Fact]
    public async Task The_federation_self_check_shows_each_step_and_the_fix_for_a_name_that_is_not_in_dns()
    {
        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, width, height);
            await BrowserFixture.RunAsync(page, $"federation-check-{width}", async () =>
            {
                await LoginPage.SignInAsOwnerAsync(page);
                await page.GotoAsync("/homeserver");
                await AdminPage.WaitForInteractiveAsync(page);
                var card = page.GetByTestId("federation-check");
                await card.GetByTestId("federation-check-own").ClickAsync();

                var first = card.Locator("[data-testid=federation-step][data-step='1']");
                await Assertions.Expect(first).ToHaveAttributeAsync("data-outcome", "Failed", new() { Timeout = 30_000 });
                await Assertions.Expect(first).ToContainTextAsync($"{hs.ServerName} has no address in DNS");
                await Assertions.Expect(first.GetByTestId("federation-fix")).ToContainTextAsync("A (or AAAA) record");
                await Assertions.Expect(card.Locator("[data-testid=federation-step][data-outcome=Skipped]")).ToHaveCountAsync(5);
                await Assertions.Expect(card.GetByTestId("federation-verdict")).ToContainTextAsync("step 1 fails");

                // A typed name that is not a server name: said, and the last result stays.
                await card.GetByTestId("federation-check-name").FillAsync("my server!");
                await card.GetByTestId("federation-check-other").ClickAsync();
                await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("a space, '!'");
                await Assertions.Expect(first).ToBeVisibleAsync();
                await card.ScrollIntoViewIfNeededAsync();
                await BrowserFixture.ScreenshotAsync(page, $"federation-check-{width}");
                await card.ScreenshotAsync(new() { Path = Path.Combine(Panel.Testing.TestEnvironment.ArtifactsDirectory, $"federation-card-{width}.png") });
                await BrowserFixture.ShouldFitTheWidthAsync(page, width);
            }, hs.Process);
            await page.Context.CloseAsync();
        }

        // The API gives the same report, and refuses a bad name plainly.
        var report = await (await hs.Api.Http.PostAsJsonAsync("/api/v1/federation/check", new { }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        report.GetProperty("steps")[0].GetProperty("outcome").GetString().ShouldBe("Failed");
        var bad = await hs.Api.Http.PostAsJsonAsync("/api/v1/federation/check", new { serverName = "my server!" }, TestContext.Current.CancellationToken);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("a space");
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_listed_as_failing_and_retry_now_ends_its_back_off()
    {
        var invite = await hs.CreateInviteAsync(new() { MaxUses = 1 });
        (await hs.RedeemAsync(invite.Code, "feddy", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var feddy = new Panel.Testing.MatrixClient(await hs.ClientUrlAsync());
        await feddy.LoginAsync("feddy", "a long enough password");
        // Asking for the devices of someone on a server that does not exist makes Synapse try that
        // server over federation, fail, and back off (invites and profiles ignore the back-off).
        try
        {
            await feddy.PostAsync("/_matrix/client/v3/keys/query", new { device_keys = new Dictionary<string, string[]> { ["@someone:nowhere.invalid"] = [] }, timeout = 5000 });
        }
        catch (InvalidOperationException)
        {
            // Synapse answers with the failure listed, or an error: either way it tried.
        }

        var listed = await Panel.Testing.Eventually.UntilAsync(
            () => hs.Api.GetAsync<DestinationList>("/api/v1/federation/destinations"),
            l => l.Destinations.Any(d => d.Destination.Name == "nowhere.invalid" && d.Destination.Failing),
            TimeSpan.FromSeconds(30), "nowhere.invalid failing in the destinations", TimeSpan.FromSeconds(1));
        var before = listed.Destinations.Single(d => d.Destination.Name == "nowhere.invalid").Destination;

        var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
        await BrowserFixture.RunAsync(page, "destinations", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/homeserver");
            await AdminPage.WaitForInteractiveAsync(page);
            var row = page.Locator("[data-testid=destination][data-name='nowhere.invalid']");
            await Assertions.Expect(row).ToHaveAttributeAsync("data-failing", "true");
            await Assertions.Expect(row).ToContainTextAsync("failing");
            await row.GetByTestId("retry-destination").ClickAsync();
            await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Synapse tries nowhere.invalid now");
            await BrowserFixture.ShouldFitTheWidthAsync(page, 390);
            await page.GetByTestId("destinations").ScreenshotAsync(new() { Path = Path.Combine(Panel.Testing.TestEnvironment.ArtifactsDirectory, "destinations-390.png") });
        }, hs.Process);
        await page.Context.CloseAsync();

        // Its back-off was reset: either it is clear now, or it failed again on a fresh try.
        var after = (await hs.Api.GetAsync<DestinationList>("/api/v1/federation/destinations")).Destinations.Single(d => d.Destination.Name == "nowhere.invalid").Destination;
        (after.FailingSince is null || after.FailingSince > before.FailingSince || after.LastTriedAt > before.LastTriedAt).ShouldBeTrue($"{before} then {after}");
        (await hs.Api.AuditAsync("action=federation.retry")).ShouldContain(e => e.Target == "nowhere.invalid");
        (await hs.Api.Http.PostAsync("/api/v1/federation/destinations/never-heard-of.example/retry", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hs.Api.Http.PostAsync("/api/v1/federation/destinations/%20/retry", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
