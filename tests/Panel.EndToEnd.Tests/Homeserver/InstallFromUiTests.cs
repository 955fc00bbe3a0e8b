using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Homeserver;

public sealed class InstallFromUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private readonly HomeserverPanel _panel = new();

    public async ValueTask InitializeAsync() => await _panel.StartAsync();

    public async ValueTask DisposeAsync() => await _panel.DisposeAsync();

    [Fact]
    public async Task OwnerInstallsAHomeserverFromTheWizard_AndSeesItHealthy()
    {
        var page = await browser.NewPageAsync(_panel.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "homeserver-install", async () =>
        {
            await UiSignIn.SignInAsync(page, "owner", Password);
            await page.GotoAsync("/homeserver");
            await UiSignIn.WaitForInteractiveAsync(page);
            await page.GetByTestId("server-name").FillAsync("ui.example.test");
            await page.GetByText("SQLite (only for a tiny, private server)").ClickAsync();
            var image = page.GetByTestId("synapse-image");
            await image.FillAsync(TestEnvironment.SynapseImage);
            await image.PressAsync("Escape");
            await BrowserFixture.ScreenshotAsync(page, "homeserver-wizard");
            await page.GetByTestId("install").ClickAsync();

            await Assertions.Expect(page.GetByTestId("operation")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByTestId("health")).ToHaveTextAsync("healthy", new() { Timeout = 120_000 });
            await Assertions.Expect(page.GetByTestId("server-name-title")).ToHaveTextAsync("ui.example.test");
            await Assertions.Expect(page.GetByTestId("step-admin")).ToHaveAttributeAsync("data-status", "done");
            await BrowserFixture.ScreenshotAsync(page, "homeserver-installed");
        }, _panel.Process);
    }
}

internal static class UiSignIn
{
    public static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
    }

    /// <summary>Waits until the page's circuit is up, so that typing is not lost to the prerendered copy.</summary>
    public static async Task WaitForInteractiveAsync(IPage page) =>
        await page.Locator("#panel-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
}
