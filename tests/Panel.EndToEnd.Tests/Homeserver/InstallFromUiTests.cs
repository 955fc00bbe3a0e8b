using System.Net.Http.Json;
using System.Text.Json;
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
            // No registry here: the wizard proposes the local build, once the engine has answered,
            // and says why (it used to pre-fill the official image, which cannot be had here).
            await Assertions.Expect(image).ToHaveValueAsync("homeserver-panel/synapse:latest");
            await Assertions.Expect(page.GetByTestId("synapse-image-note")).ToContainTextAsync("is not on this machine, so the local image homeserver-panel/synapse:latest is pre-filled");
            await page.ReloadAsync();
            await UiSignIn.WaitForInteractiveAsync(page);
            await Assertions.Expect(image).ToHaveValueAsync("homeserver-panel/synapse:latest");
            await page.GetByTestId("server-name").FillAsync("ui.example.test");
            await page.GetByText("SQLite (only for a tiny, private server)").ClickAsync();
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

    [Fact]
    public async Task A_failed_install_offers_the_wizard_again_and_an_image_without_an_entry_point_then_installs()
    {
        var broken = TestEnvironment.SynapseImageVariant("broken");
        var noEntryPoint = TestEnvironment.SynapseImageVariant("noentry");
        var page = await browser.NewPageAsync(_panel.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "homeserver-install-failed", async () =>
        {
            await UiSignIn.SignInAsync(page, "owner", Password);
            await page.GotoAsync("/homeserver");
            await UiSignIn.WaitForInteractiveAsync(page);
            await page.GetByTestId("server-name").FillAsync("retry.example.test");
            await page.GetByText("SQLite (only for a tiny, private server)").ClickAsync();
            var image = page.GetByTestId("synapse-image");
            await image.FillAsync(broken);
            await image.PressAsync("Escape");
            await page.GetByTestId("install").ClickAsync();

            // The install fails (the image's command exits at once): the failure is said, the
            // wizard is back with the same settings, and the kept data can be deleted.
            await Assertions.Expect(page.GetByTestId("install-failed")).ToContainTextAsync("install again", new() { Timeout = 120_000 });
            await Assertions.Expect(page.GetByTestId("step-health")).ToContainTextAsync("Synapse stopped while starting");
            await Assertions.Expect(page.GetByTestId("synapse-image-note")).Not.ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("server-name")).ToHaveValueAsync("retry.example.test");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete the kept data of retry.example.test" })).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "homeserver-install-failed");
            var failures = await _panel.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=homeserver.install&outcome=Failure");
            failures.GetProperty("items").EnumerateArray().ShouldContain(e => e.GetProperty("details").GetString()!.Contains("Synapse stopped while starting"));

            // The way out: another image. This one has no entry point (a plain imported root), so
            // the panel runs Synapse's module itself.
            await image.FillAsync(noEntryPoint);
            await image.PressAsync("Escape");
            await page.GetByTestId("install").ClickAsync();
            await Assertions.Expect(page.GetByTestId("health")).ToHaveTextAsync("healthy", new() { Timeout = 120_000 });
            await Assertions.Expect(page.GetByTestId("step-admin")).ToHaveAttributeAsync("data-status", "done");
        }, _panel.Process);

        // Synapse runs as the official image's user, UID 991, not as root.
        var status = await DockerTestHelper.ExecAsync(_panel.SynapseContainer, "cat", "/proc/1/status");
        status.Split('\n').Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].ShouldBe("991");
        (await DockerTestHelper.ExecAsync(_panel.SynapseContainer, "cat", "/proc/1/cmdline")).ShouldContain("synapse.app.homeserver");
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
