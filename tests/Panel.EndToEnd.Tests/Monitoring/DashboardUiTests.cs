using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Monitoring;

public sealed partial class DashboardUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
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
            // A chart to look at: few ticks, the unit on its axis, the memory limit drawn.
            var chart = page.GetByTestId("dashboard-chart");
            await Assertions.Expect(chart).ToContainTextAsync("limit");
            await Assertions.Expect(chart).ToContainTextAsync("MiB");
            (await chart.Locator(".mud-charts-yaxis text").CountAsync()).ShouldBeInRange(2, 7);
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
        ["/", "/homeserver", "/monitoring", "/rooms", "/users", "/invites", "/bridges", "/donations", "/backups", "/storage", "/audit", "/moderation", "/account/security", "/settings/accounts", "/settings/tokens"];

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
            foreach (var path in new[] { "/account/login", "/donate", "/rules", invite.Url })
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

    [Fact]
    public async Task Every_page_is_screenshotted_at_desktop_and_phone_width_in_light_and_dark_mode_and_none_overflows_a_phone()
    {
        // The longest words a page may meet, whatever ran before: a room (its ID is one long word,
        // its name here too) that lists on /rooms and /history, and an invite note with no space,
        // which the audit's details repeat. A table must wrap them, not run off the screen.
        const string longWord = "a-note-with-no-space-that-runs-on-and-on-past-any-phone-screen-and-a-desktop-column";
        var sweeper = await hs.CreateInviteAsync(new() { MaxUses = 1, Note = longWord });
        (await hs.RedeemAsync(sweeper.Code, "sweeper", "a long enough password")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        using (var friend = new MatrixClient(await hs.ClientUrlAsync()))
        {
            await friend.LoginAsync("sweeper", "a long enough password");
            await friend.CreateRoomAsync("A-room-name-with-no-space-that-runs-past-a-phone-screen");
        }

        var invite = await hs.CreateInviteAsync(new() { MaxUses = 1 });
        var problems = new List<string>();
        foreach (var dark in new[] { false, true })
        {
            foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
            {
                var page = await browser.NewPageAsync(hs.Process.BaseUrl, width, height, dark);
                var mode = $"{width}-{(dark ? "dark" : "light")}";
                async Task LookAsync(string path)
                {
                    var name = path.Trim('/').Replace('/', '-') is { Length: > 0 } n ? n[..Math.Min(n.Length, 20)] : "dashboard";
                    await BrowserFixture.ScreenshotAsync(page, $"page-{name}-{mode}");
                    try
                    {
                        await BrowserFixture.ShouldFitTheWidthAsync(page, width);
                    }
                    catch (Shouldly.ShouldAssertException e)
                    {
                        problems.Add($"{path} at {mode}: {e.Message}");
                    }
                }

                await BrowserFixture.RunAsync(page, "every-page-" + mode, async () =>
                {
                    foreach (var path in new[] { "/account/login", "/donate", "/rules", invite.Url })
                    {
                        await page.GotoAsync(path);
                        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                        await LookAsync(path.StartsWith("http", StringComparison.Ordinal) ? "/invite" : path);
                    }

                    await LoginPage.SignInAsOwnerAsync(page);
                    foreach (var path in AdminPages.Concat(["/history", "/capacity"]))
                    {
                        await page.GotoAsync(path);
                        await AdminPage.WaitForInteractiveAsync(page);
                        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                        await LookAsync(path);
                    }
                }, hs.Process);
                await page.Context.CloseAsync();
            }
        }

        problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task On_a_phone_the_bar_holds_one_line_and_the_menu_closes_after_choosing_a_page()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
        await BrowserFixture.RunAsync(page, "phone-menu", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await AdminPage.WaitForInteractiveAsync(page);
            // One line each: a wrapped title or "LOG OUT" is twice as tall as its line.
            var title = page.Locator(".mud-appbar .mud-typography-h6").First;
            (await title.BoundingBoxAsync())!.Height.ShouldBeLessThan(40, "the title on one line");
            var logOut = page.GetByRole(AriaRole.Button, new() { Name = "Log out" });
            await Assertions.Expect(logOut).ToBeVisibleAsync();
            (await logOut.BoundingBoxAsync())!.Height.ShouldBeLessThan(50, "Log out on one line");

            var drawer = page.Locator(".mud-drawer").First;
            await page.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
            await Assertions.Expect(drawer).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--open"));
            await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
            await page.WaitForURLAsync(url => url.EndsWith("/users", StringComparison.Ordinal));
            await Assertions.Expect(drawer).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--closed"));
            await BrowserFixture.ScreenshotAsync(page, "phone-after-menu");
        }, hs.Process);
    }

    [Fact]
    public async Task Without_card_payments_the_donate_page_names_the_server_shows_its_costs_and_says_how_to_give()
    {
        var costs = new { currency = "eur", costLines = new[] { new { name = "VPS", amountMinor = 1500, period = "Monthly" } } };
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/donations/settings", costs, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
        await BrowserFixture.RunAsync(page, "donate-without-stripe", async () =>
        {
            await page.GotoAsync("/donate");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"Support {hs.ServerName}");
            await Assertions.Expect(page.GetByText("VPS")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("no-way-to-give")).ToContainTextAsync($"ask the person who runs {hs.ServerName}");
            await BrowserFixture.ScreenshotAsync(page, "donate-without-stripe");

            // Other ways to give, set by the owner: the page leads somewhere.
            var links = new { externalLinks = new[] { new { label = "Liberapay", url = "https://liberapay.com/example" } } };
            (await hs.Api.Http.PutAsJsonAsync("/api/v1/donations/settings", links, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Liberapay" })).ToHaveAttributeAsync("href", "https://liberapay.com/example");
            await Assertions.Expect(page.GetByTestId("no-way-to-give")).ToHaveCountAsync(0);
        }, hs.Process);
    }
}
