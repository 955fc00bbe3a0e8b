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

            // The chart's choice is in the URL: a reload (or a shared link) shows the same view.
            await Assertions.Expect(page.GetByTestId("history-title")).ToHaveTextAsync("History of homeserver · live");
            await page.GetByTestId("ranges").GetByText("24h").ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/monitoring\?container=homeserver&range=24h$"));
            await page.ReloadAsync();
            await UiSignIn.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("history-title")).ToHaveTextAsync("History of homeserver · 24h");
            await page.GotoAsync("/monitoring?container=no-such-container&range=nonsense");
            await UiSignIn.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.GetByTestId("history-title")).ToHaveTextAsync("History of homeserver · live");
        }, hs.Process);
    }

    private static readonly string[] AdminPages =
        ["/", "/homeserver", "/monitoring", "/rooms", "/users", "/invites", "/bridges", "/donations", "/backups", "/audit", "/account/security", "/settings/accounts", "/settings/tokens"];

    [Fact]
    public async Task No_page_breaks_the_content_security_policy()
    {
        var invite = await hs.CreateInviteAsync(new { maxUses = 1 });
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
            foreach (var path in new[] { "/account/login", "/donate", invite.GetProperty("url").GetString()! })
            {
                await page.GotoAsync(path);
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            }

            await UiSignIn.SignInAsync(page, "owner", "correct horse battery staple");
            foreach (var path in AdminPages)
            {
                await page.GotoAsync(path);
                await UiSignIn.WaitForInteractiveAsync(page);
            }

            // The import map is there, with this response's nonce, and the browser took it.
            (await page.EvaluateAsync<bool>("() => !!document.querySelector('script[type=importmap][nonce]')")).ShouldBeTrue();
        }, hs.Process);

        violations.ShouldBeEmpty();
    }
}
