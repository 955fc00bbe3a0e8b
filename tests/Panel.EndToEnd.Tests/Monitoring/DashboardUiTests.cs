using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Homeserver;
using Panel.EndToEnd.Tests.Invites;

namespace Panel.EndToEnd.Tests.Monitoring;

public sealed class DashboardUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public async Task Dashboard_ShowsAChartWithData_AndTheMonitoringPageItsFigures()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "dashboard-chart", async () =>
        {
            await UiSignIn.SignInAsync(page, "owner", "correct horse battery staple");
            // The first samples arrive within seconds of the install; reload until the chart has them.
            for (var attempt = 0; attempt < 20 && await page.GetByTestId("dashboard-chart").Locator("svg path").CountAsync() == 0; attempt++)
            {
                await page.WaitForTimeoutAsync(1000);
                await page.ReloadAsync();
                await UiSignIn.WaitForInteractiveAsync(page);
            }

            await Assertions.Expect(page.GetByTestId("dashboard-chart").Locator("svg path").First).ToBeAttachedAsync();
            await Assertions.Expect(page.GetByTestId("synapse-memory")).Not.ToHaveTextAsync("–");
            await BrowserFixture.ScreenshotAsync(page, "dashboard");

            await page.GotoAsync("/monitoring");
            await UiSignIn.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("containers")).ToContainTextAsync(hs.SynapseContainer);
            await Assertions.Expect(page.GetByTestId("memory-chart").Locator("svg path").First).ToBeAttachedAsync(new() { Timeout = 20_000 });
            await BrowserFixture.ScreenshotAsync(page, "monitoring");
        }, hs.Process);
    }
}
