using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests;

public sealed class FirstRunTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "a long and memorable passphrase";
    private readonly PanelProcess _panel = new(TestEnvironment.NewTempDirectory("panel-e2e"));

    public async ValueTask InitializeAsync() => await _panel.StartAsync();

    public async ValueTask DisposeAsync() => await _panel.DisposeAsync();

    [Fact]
    public async Task First_run_setup_then_log_out_then_log_in_shows_the_dashboard()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        var circuits = 0;
        page.Request += (_, r) => { if (r.Url.Contains("/_blazor", StringComparison.Ordinal)) { circuits++; } };

        await BrowserFixture.RunAsync(page, "first-run", async () =>
        {
            await page.GotoAsync("/");
            await page.WaitForURLAsync(url => url.EndsWith("/setup", StringComparison.Ordinal));
            circuits.ShouldBe(0, "the setup page is static: no SignalR circuit");
            var setup = new SetupPage(page);
            await setup.FillAsync("alice", Password);
            await BrowserFixture.ScreenshotAsync(page, "first-run-setup");
            await setup.CreateOwnerAsync();

            // The owner lands on the dashboard, with the first hour's steps and a link to each.
            await page.WaitForURLAsync(url => url.EndsWith("/?welcome=1", StringComparison.Ordinal));
            await page.GetByText("Your owner account is ready").WaitForAsync();
            var checklist = page.GetByTestId("first-run-checklist");
            await Assertions.Expect(checklist).ToContainTextAsync("Getting started · 0 of 5 done");
            foreach (var step in new[] { "homeserver", "public-url", "two-factor", "backups", "costs" })
            {
                await Assertions.Expect(page.GetByTestId("checklist-" + step)).ToHaveAttributeAsync("data-done", "false");
            }

            await BrowserFixture.ScreenshotAsync(page, "first-run-checklist");
            await page.GetByRole(AriaRole.Link, new() { Name = "Turn on two-factor authentication" }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/account/security", StringComparison.Ordinal));
            await BrowserFixture.ScreenshotAsync(page, "first-run-security");

            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
            // The URL is enough (the form below waits for its fields): on a loaded machine the page's
            // load event once took over 20 s after the URL had already changed.
            await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });

            await new LoginPage(page).SubmitAsync("alice", Password);

            await page.WaitForURLAsync(_panel.BaseUrl + "/");
            await Assertions.Expect(page.GetByTestId("dashboard-title")).ToHaveTextAsync("Dashboard");
            await Assertions.Expect(page.GetByText("Docker Engine").First).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "first-run-dashboard");
        });

        // The sign-ins were audited with the browser's address.
        var token = (await _panel.RunCliAsync(["create-api-token", "--name", "e2e"])).LastLine;
        var audit = await new PanelApi(_panel.CreateClient(token)).AuditAsync("action=auth.login");
        audit.ShouldContain(e => e.Actor == "alice" && e.SourceAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Wrong_password_shows_a_clear_message_and_no_stack_trace()
    {
        await _panel.CreateOwnerAndTokenAsync("bob", Password);
        var page = await browser.NewPageAsync(_panel.BaseUrl);

        var login = new LoginPage(page);
        await page.GotoAsync("/account/login");
        await login.SubmitAsync("bob", "wrong password here");

        await Assertions.Expect(login.Alert).ToContainTextAsync("wrong");
        (await page.ContentAsync()).ShouldNotContain("Exception");
    }
}
