using System.Text.Json;
using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.EndToEnd.Tests;

public sealed class FirstRunTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "a long and memorable passphrase";
    private readonly PanelProcess _panel = new(TestEnvironment.NewTempDirectory("panel-e2e"));

    public async ValueTask InitializeAsync() => await _panel.StartAsync();

    public async ValueTask DisposeAsync() => await _panel.DisposeAsync();

    [Fact]
    public async Task FirstRun_SetupThenLogOutThenLogIn_ShowsTheDashboard()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        var circuits = 0;
        page.Request += (_, r) => { if (r.Url.Contains("/_blazor", StringComparison.Ordinal)) { circuits++; } };

        await BrowserFixture.RunAsync(page, "first-run", async () =>
        {
            await page.GotoAsync("/");
            await page.WaitForURLAsync(url => url.EndsWith("/setup", StringComparison.Ordinal));
            circuits.ShouldBe(0, "the setup page is static: no SignalR circuit");
            await page.GetByLabel("User name").FillAsync("alice");
            await page.GetByLabel("Password", new() { Exact = false }).First.FillAsync(Password);
            await page.GetByLabel("Password, again").FillAsync(Password);
            await BrowserFixture.ScreenshotAsync(page, "first-run-setup");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the owner account" }).ClickAsync();

            await page.WaitForURLAsync(url => url.Contains("/account/security?welcome=1", StringComparison.Ordinal));
            await page.GetByText("Your owner account is ready").WaitForAsync();
            await BrowserFixture.ScreenshotAsync(page, "first-run-security");

            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
            // The URL is enough (the form below waits for its fields): on a loaded machine the page's
            // load event once took over 20 s after the URL had already changed.
            await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });

            await page.GetByLabel("User name").FillAsync("alice");
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

            await page.WaitForURLAsync(_panel.BaseUrl + "/");
            await Assertions.Expect(page.GetByTestId("dashboard-title")).ToHaveTextAsync("Dashboard");
            await Assertions.Expect(page.GetByText("Docker Engine").First).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "first-run-dashboard");
        });

        // The sign-ins were audited with the browser's address.
        var token = (await _panel.RunCliAsync(["create-api-token", "--name", "e2e"])).LastLine;
        var audit = await _panel.GetJsonAsync<JsonElement>(_panel.CreateClient(token), "/api/v1/audit?action=auth.login");
        audit.GetProperty("items").EnumerateArray().ShouldContain(e =>
            e.GetProperty("actor").GetString() == "alice" && e.GetProperty("sourceAddress").GetString() == "127.0.0.1");
    }

    [Fact]
    public async Task WrongPassword_ShowsAClearMessage_AndNoStackTrace()
    {
        await _panel.CreateOwnerAndTokenAsync("bob", Password);
        var page = await browser.NewPageAsync(_panel.BaseUrl);

        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync("bob");
        await page.GetByLabel("Password").FillAsync("wrong password here");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("wrong");
        (await page.ContentAsync()).ShouldNotContain("Exception");
    }
}
