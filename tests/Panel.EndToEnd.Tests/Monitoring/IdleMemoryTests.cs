using System.Net.Http.Json;
using System.Text.Json;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Monitoring;

/// <summary>The panel gives memory back once the last admin page is gone (bench P1i measures how much).</summary>
public sealed class IdleMemoryTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private PanelProcess _panel = default!;
    private HttpClient _api = default!;

    public async ValueTask InitializeAsync()
    {
        // A closed tab's circuit waits 5 s for a reconnect here, not the panel's 60 s.
        _panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-idle"), new Dictionary<string, string> { ["Panel__Memory__DisconnectedCircuitSeconds"] = "5" });
        var token = await _panel.CreateOwnerAndTokenAsync();
        await _panel.StartAsync();
        _api = _panel.CreateClient(token);
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _panel.DisposeAsync();
    }

    [Fact]
    public async Task Closing_the_last_admin_page_ends_its_circuit_and_the_panel_gives_memory_back()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        await BrowserFixture.RunAsync(page, "idle-memory", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/monitoring");
            await AdminPage.WaitForInteractiveAsync(page);
        }, _panel);
        (await CircuitsAsync()).GetProperty("open").GetInt64().ShouldBe(1);
        (await CircuitsAsync()).GetProperty("memoryReleases").GetInt32().ShouldBe(0, "not while a page is open");

        await page.Context.CloseAsync();

        var circuits = await Eventually.UntilAsync(CircuitsAsync, c => c.GetProperty("memoryReleases").GetInt32() > 0, TimeSpan.FromSeconds(60),
            "the memory given back after the circuit's 5 s of waiting for a reconnect and 5 s of settling", TimeSpan.FromSeconds(1));
        circuits.GetProperty("open").GetInt64().ShouldBe(0);
        // The count goes up before the console logger has written the line (it writes on its own thread).
        await Eventually.TrueAsync(() => Task.FromResult(_panel.Output.Contains("No admin page open: the panel gave memory back", StringComparison.Ordinal)),
            "the release is logged", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_panel_on_SQLite_without_donations_or_bridges_does_not_load_their_libraries()
    {
        var page = await browser.NewPageAsync(_panel.BaseUrl);
        await BrowserFixture.RunAsync(page, "unused-libraries", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await AdminPage.WaitForInteractiveAsync(page);
            await page.GotoAsync("/monitoring");
            await AdminPage.WaitForInteractiveAsync(page);
        }, _panel);

        // A library is loaded when its file is mapped into the process (issue 25: each one cost memory
        // in every panel, used or not).
        var maps = await File.ReadAllTextAsync($"/proc/{_panel.ProcessId}/maps", TestContext.Current.CancellationToken);
        maps.ShouldContain("Panel.Infrastructure.dll");
        foreach (var unused in new[] { "Stripe.net.dll", "YamlDotNet.dll", "BouncyCastle.Cryptography.dll", "Npgsql.EntityFrameworkCore.PostgreSQL.dll", "Npgsql.dll" })
        {
            maps.ShouldNotContain(unused, customMessage: $"{unused} is loaded although nothing here uses it");
        }
    }

    private async Task<JsonElement> CircuitsAsync() =>
        (await _api.GetFromJsonAsync<JsonElement>("/api/v1/diagnostics", TestContext.Current.CancellationToken)).GetProperty("circuits");
}
