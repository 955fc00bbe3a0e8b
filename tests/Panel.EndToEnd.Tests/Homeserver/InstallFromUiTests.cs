using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Homeserver;

public sealed class InstallFromUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private readonly HomeserverPanel _panel = new();

    public async ValueTask InitializeAsync() => await _panel.StartAsync();

    public async ValueTask DisposeAsync() => await _panel.DisposeAsync();

    [Fact]
    public async Task Owner_installs_a_homeserver_from_the_wizard_and_sees_it_healthy()
    {
        var page = await browser.NewPageAsync(_panel.Process.BaseUrl);
        var homeserver = new HomeserverPage(page);
        await BrowserFixture.RunAsync(page, "homeserver-install", async () =>
        {
            await new LoginPage(page).SignInAsync("owner", Password);
            await homeserver.OpenAsync();
            await homeserver.NameWithSqliteAsync("ui.example.test");
            // No registry here: the wizard proposes the local build, once the engine has answered,
            // and says why (it used to pre-fill the official image, which cannot be had here).
            await Assertions.Expect(homeserver.Image).ToHaveValueAsync("homeserver-panel/synapse:latest");
            await Assertions.Expect(homeserver.ImageNote).ToContainTextAsync("is not on this machine, so the local image homeserver-panel/synapse:latest is pre-filled");
            await homeserver.ReloadAsync();
            await Assertions.Expect(homeserver.Image).ToHaveValueAsync("homeserver-panel/synapse:latest");
            await homeserver.NameWithSqliteAsync("ui.example.test");
            await homeserver.ChooseImageAsync(TestEnvironment.SynapseImage);
            await BrowserFixture.ScreenshotAsync(page, "homeserver-wizard");
            await homeserver.InstallAsync();

            // While it runs, the page shows the install, not the health of a server that does not exist yet.
            await Assertions.Expect(homeserver.Operation).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(homeserver.Health).ToHaveCountAsync(0);
            await Assertions.Expect(page.GetByText("does not exist")).ToHaveCountAsync(0);
            await Assertions.Expect(homeserver.Step("database")).ToHaveCountAsync(0, new() { Timeout = 1000 }); // SQLite: no PostgreSQL to start
            await BrowserFixture.ScreenshotAsync(page, "homeserver-installing");
            await Assertions.Expect(homeserver.Step("admin")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.Health).ToHaveTextAsync("healthy", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.Title).ToHaveTextAsync("ui.example.test");
            // Running: Stop and Restart are offered, Start is not.
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true })).ToHaveCountAsync(0);
            await BrowserFixture.ScreenshotAsync(page, "homeserver-installed");
            // The "Installing · done" card goes away once it has been seen.
            await Assertions.Expect(homeserver.Operation).ToHaveCountAsync(0, new() { Timeout = 60_000 });

            // The log hides the panel's own polls of Synapse unless asked, and filters by text.
            var logs = page.GetByTestId("logs");
            await page.GetByTestId("hide-polls").ClickAsync();
            for (var tries = 0; !(await logs.TextContentAsync())!.Contains("server_version", StringComparison.Ordinal); tries++)
            {
                tries.ShouldBeLessThan(30, "the panel's version poll reaches Synapse's log within 30 s");
                await page.WaitForTimeoutAsync(1000);
                await page.GetByRole(AriaRole.Button, new() { Name = "Reload logs" }).ClickAsync();
            }

            await page.GetByTestId("hide-polls").ClickAsync();
            await Assertions.Expect(logs).Not.ToContainTextAsync("server_version");
            await page.GetByTestId("log-filter").FillAsync("Synapse");
            await Assertions.Expect(page.GetByTestId("log-count")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0 of"));
            await BrowserFixture.ScreenshotAsync(page, "homeserver-logs-filtered");
        }, _panel.Process);
    }

    [Fact]
    public async Task A_failed_install_offers_the_wizard_again_and_an_image_without_an_entry_point_then_installs()
    {
        var broken = TestEnvironment.SynapseImageVariant("broken");
        var noEntryPoint = TestEnvironment.SynapseImageVariant("noentry");
        var page = await browser.NewPageAsync(_panel.Process.BaseUrl);
        var homeserver = new HomeserverPage(page);
        await BrowserFixture.RunAsync(page, "homeserver-install-failed", async () =>
        {
            await new LoginPage(page).SignInAsync("owner", Password);
            await homeserver.OpenAsync();
            await homeserver.NameWithSqliteAsync("retry.example.test");

            // An image that is not here and cannot be pulled (no registry answers): one message, in
            // words, with the engine's own text folded under "details".
            await homeserver.ChooseImageAsync("registry.invalid/synapse:none");
            await homeserver.InstallAsync();
            await Assertions.Expect(homeserver.InstallFailed).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Assertions.Expect(homeserver.Step("pull")).ToContainTextAsync("could not be downloaded: this machine cannot reach the registry registry.invalid");
            await BrowserFixture.ScreenshotAsync(page, "homeserver-pull-failed");
            await Assertions.Expect(page.GetByText("could not be downloaded")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("{\"message\"");
            await Assertions.Expect(page.GetByText("The install has started")).ToHaveCountAsync(0);
            var details = page.GetByTestId("failure-details");
            await Assertions.Expect(details).Not.ToBeVisibleAsync();
            await page.GetByText("Details", new() { Exact = true }).ClickAsync();
            await Assertions.Expect(details).ToBeVisibleAsync();
            await Assertions.Expect(details).ToContainTextAsync("registry.invalid");

            await homeserver.ChooseImageAsync(broken);
            await homeserver.InstallAsync();

            // The install fails (the image's command exits at once): the failure is said, the
            // wizard is back with the same settings, and the kept data can be deleted.
            await Assertions.Expect(homeserver.Step("health")).ToContainTextAsync("Synapse stopped while starting", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.InstallFailed).ToContainTextAsync("install again");
            await Assertions.Expect(homeserver.ImageNote).Not.ToBeVisibleAsync();
            await Assertions.Expect(homeserver.ServerName).ToHaveValueAsync("retry.example.test");
            await Assertions.Expect(homeserver.DeleteKeptData("retry.example.test")).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "homeserver-install-failed");
            (await _panel.Api.AuditAsync("action=homeserver.install&outcome=Failure")).ShouldContain(e => e.Details!.Contains("Synapse stopped while starting"));

            // The way out: another image. This one has no entry point (a plain imported root), so
            // the panel runs Synapse's module itself.
            await homeserver.ChooseImageAsync(noEntryPoint);
            await homeserver.InstallAsync();
            await Assertions.Expect(homeserver.Step("admin")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.Health).ToHaveTextAsync("healthy", new() { Timeout = 120_000 });
        }, _panel.Process);

        // Synapse runs as the official image's user, UID 991, not as root.
        var status = await DockerTestHelper.ExecAsync(_panel.SynapseContainer, "cat", "/proc/1/status");
        status.Split('\n').Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].ShouldBe("991");
        (await DockerTestHelper.ExecAsync(_panel.SynapseContainer, "cat", "/proc/1/cmdline")).ShouldContain("synapse.app.homeserver");
    }
}
