using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;

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
}
