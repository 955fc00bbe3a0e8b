using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;

namespace Panel.EndToEnd.Tests.Monitoring;

public sealed class DashboardUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public async Task Dashboard_shows_a_chart_with_data_and_the_monitoring_page_its_figures()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "dashboard-chart", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            var dashboard = new DashboardPage(page);
            await dashboard.WaitForInteractiveAsync();
            await dashboard.WaitForChartAsync();
            await Assertions.Expect(dashboard.SynapseMemory).Not.ToHaveTextAsync("–");
            // The first-run list reads what exists: the homeserver is installed, the rest is still to do.
            await Assertions.Expect(page.GetByTestId("checklist-homeserver")).ToHaveAttributeAsync("data-done", "true");
            await Assertions.Expect(page.GetByTestId("checklist-backups")).ToHaveAttributeAsync("data-done", "false");
            await BrowserFixture.ScreenshotAsync(page, "dashboard");

            var monitoring = new MonitoringPage(page);
            await monitoring.OpenAsync();
            await Assertions.Expect(monitoring.Containers).ToContainTextAsync(hs.SynapseContainer);
            await Assertions.Expect(monitoring.MemoryChartLines.First).ToBeAttachedAsync(new() { Timeout = 20_000 });
            await BrowserFixture.ScreenshotAsync(page, "monitoring");

            // The chart's choice is in the URL: a reload (or a shared link) shows the same view.
            await Assertions.Expect(monitoring.HistoryTitle).ToHaveTextAsync("History of homeserver · live");
            await monitoring.ChooseRangeAsync("24h");
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/monitoring\?container=homeserver&range=24h$"));
            await monitoring.ReloadAsync();
            await Assertions.Expect(monitoring.HistoryTitle).ToHaveTextAsync("History of homeserver · 24h");
            await monitoring.OpenAsync("?container=no-such-container&range=nonsense");
            await Assertions.Expect(monitoring.HistoryTitle).ToHaveTextAsync("History of homeserver · live");
        }, hs.Process);
    }

    private static readonly string[] AdminPages =
        ["/", "/homeserver", "/monitoring", "/rooms", "/users", "/invites", "/bridges", "/donations", "/backups", "/storage", "/audit", "/account/security", "/settings/accounts", "/settings/tokens"];

    [Fact]
    public async Task No_page_breaks_the_content_security_policy()
    {
        var invite = await hs.CreateInviteAsync(new() { MaxUses = 1 });
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var violations = new List<string>();
        // Both ways a browser reports a violation: the console line and the DOM event.
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{page.Url}: {m.Text}");
            }
        };
        await page.Context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));");
        await BrowserFixture.RunAsync(page, "csp", async () =>
        {
            // Public pages first, signed out, then every admin page with a full load.
            foreach (var path in new[] { "/account/login", "/donate", invite.Url })
            {
                await page.GotoAsync(path);
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            }

            await LoginPage.SignInAsOwnerAsync(page);
            foreach (var path in AdminPages)
            {
                await page.GotoAsync(path);
                await AdminPage.WaitForInteractiveAsync(page);
            }

            // The import map is there, with this response's nonce, and the browser took it.
            (await page.EvaluateAsync<bool>("() => !!document.querySelector('script[type=importmap][nonce]')")).ShouldBeTrue();
        }, hs.Process);

        violations.ShouldBeEmpty();
    }
}
