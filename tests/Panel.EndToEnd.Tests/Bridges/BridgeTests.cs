using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Bridges;

/// <summary>
/// Bridges against the real Synapse and the real engine, with the echo bridge image. One Synapse
/// serves the whole class; each test leaves no bridge behind.
/// </summary>
public sealed class BridgeTests(BridgeHomeserverFixture hs, BrowserFixture browser) : IClassFixture<BridgeHomeserverFixture>, IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_echo_bridge_installed_through_the_api_answers_messages_and_uninstalls_cleanly()
    {
        // 1. Install through the API.
        var id = await hs.InstallBridgeAsync(new { catalogId = "echo", settings = new { } });
        var installed = await hs.WaitForBridgeAsync(id, v => v.Phase is "installed" or "failed");
        installed.Status.ShouldBe("running", installed.ToString());
        installed.BotUserId.ShouldBe($"@echobot:{hs.ServerName}");
        installed.LoginInstructions!.ShouldContain($"@echobot:{hs.ServerName}");
        installed.Operation!.Steps.Select(s => s.Status).ShouldAllBe(s => s == StepStatus.Done || s == StepStatus.Skipped);
        installed.Health.ShouldBe("healthy");

        // Installing it twice is refused.
        var again = await hs.PostBridgeAsync(new { catalogId = "echo", settings = new { } });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadAsStringAsync(Ct)).ShouldContain("already installed");

        // 2. Synapse is healthy after the restart, and lists the registration.
        (await hs.GetHomeserverAsync()).Health.ShouldBe("healthy");
        var config = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml");
        config.ShouldContain("/data/appservices/echo.yaml");
        var registration = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/appservices/echo.yaml");
        registration.ShouldContain("sender_localpart: \"echobot\"");
        registration.ShouldContain("rate_limited: false");

        // 3. A user made through the panel creates a room and invites the bot.
        var created = await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = "pinger", password = "pinger's long password" }, Ct);
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync(Ct));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("pinger", "pinger's long password");
        var room = await client.CreateRoomAsync("echo test", [$"@echobot:{hs.ServerName}"]);

        // 4. The bot joins, and "ping" gets "echo: ping" back.
        await Eventually.TrueAsync(async () => (await client.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/joined_members"))
            .GetProperty("joined").TryGetProperty($"@echobot:{hs.ServerName}", out _), "the bot joins the room");
        await client.SendTextAsync(room, "ping");
        await Eventually.TrueAsync(async () => (await client.RecentTextsAsync(room)).Contains("echo: ping"), "the bot answers 'echo: ping'");

        // A bridge left frozen (a backup pauses it while it copies its volume, and the panel died
        // before it could thaw it) is thawed by the reconciler, and answers again.
        (await DockerTestHelper.CliAsync("pause", $"{hs.Instance}-bridge-echo")).ExitCode.ShouldBe(0);
        await Eventually.TrueAsync(async () => (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo"))?.State?.Status == "running", "the panel unpauses the bridge");
        await client.SendTextAsync(room, "still there?");
        await Eventually.TrueAsync(async () => (await client.RecentTextsAsync(room)).Contains("echo: still there?"), "the thawed bot answers");

        // The bridge shows in the list, with the audit trail of the install.
        (await hs.Api.BridgesAsync()).ShouldContain(b => b.CatalogId == "echo");

        // 5. Uninstall: Synapse is healthy and the registration is gone.
        var removed = await hs.Api.Http.DeleteAsync($"/api/v1/bridges/{id}?deleteData=false", Ct);
        removed.StatusCode.ShouldBe(HttpStatusCode.Accepted, await removed.Content.ReadAsStringAsync(Ct));
        await hs.WaitUntilGoneAsync(id);
        (await hs.WaitUntilHealthyAsync()).Health.ShouldBe("healthy");
        (await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml")).ShouldNotContain("appservices/echo.yaml");
        (await DockerTestHelper.TryReadFileAsync(hs.SynapseContainer, "/data/appservices/echo.yaml")).ShouldBeNull();
        (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo")).ShouldBeNull();
        // The bot's token no longer works: the homeserver has forgotten the bridge.
        var whoami = await new HttpClient { BaseAddress = new Uri(await hs.ClientUrlAsync()) }
            .SendAsync(new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/v3/account/whoami") { Headers = { { "Authorization", "Bearer " + ReadToken(registration) } } }, Ct);
        whoami.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var audit = await hs.Api.AuditAsync("action=bridge.");
        audit.ShouldContain(e => e.Action == "bridge.install");
        audit.ShouldContain(e => e.Action == "bridge.uninstall");
    }

    [Fact]
    public async Task Missing_or_invalid_settings_are_refused_before_anything_is_created()
    {
        var notNumber = await hs.PostBridgeAsync(new { catalogId = "telegram", settings = new { app_id = "abc", app_hash = "0123456789abcdef0123456789abcdef" } });
        notNumber.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notNumber.Content.ReadAsStringAsync(Ct)).ShouldContain("app_id");

        var missing = await hs.PostBridgeAsync(new { catalogId = "telegram", settings = new { app_id = "123" } });
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await missing.Content.ReadAsStringAsync(Ct)).ShouldContain("app_hash");

        var unknownSetting = await hs.PostBridgeAsync(new { catalogId = "echo", settings = new { colour = "blue" } });
        unknownSetting.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var unknownBridge = await hs.PostBridgeAsync(new { catalogId = "carrier-pigeon", settings = new { } });
        unknownBridge.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknownBridge.Content.ReadAsStringAsync(Ct)).ShouldContain("signal");

        var badOwner = await hs.PostBridgeAsync(new { catalogId = "echo", owner = "not a user id" });
        badOwner.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var broken = await hs.Api.Http.PostAsync("/api/v1/bridges", new StringContent("{\"catalogId\": ", Encoding.UTF8, "application/json"), Ct);
        broken.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await hs.Api.BridgesAsync()).ShouldNotContain(b => b.CatalogId == "telegram");
        (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-telegram")).ShouldBeNull();

        // The catalog says what each bridge needs.
        var catalog = await hs.Api.GetAsync<List<BridgeCatalogItemView>>("/api/v1/bridges/catalog");
        var telegram = catalog.Single(e => e.Id == "telegram");
        telegram.Settings.Select(s => s.Key).ShouldBe(["app_id", "app_hash"]);
        telegram.Image.ShouldStartWith("dock.mau.dev/mautrix/telegram:");
    }

    [Fact]
    public async Task An_upgrade_swaps_the_bridge_image_and_an_image_that_does_not_start_is_rolled_back()
    {
        var id = await hs.InstallBridgeAsync(new { catalogId = "echo", settings = new { } });
        try
        {
            (await hs.WaitForBridgeAsync(id, v => v.Phase is "installed" or "failed")).Status.ShouldBe("running");

            // Another tag of the image: the container is replaced on the same volume, and Synapse reaches it.
            var upgraded = await UpgradeAsync(id, "homeserver-panel/echo-bridge:next");
            upgraded.Operation!.Succeeded.ShouldBeTrue(upgraded.ToString());
            upgraded.Image.ShouldBe("homeserver-panel/echo-bridge:next");
            upgraded.Status.ShouldBe("running");
            var container = (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo")).ShouldNotBeNull();
            (container.Config?.Image).ShouldBe("homeserver-panel/echo-bridge:next");

            // An image whose command fails: the upgrade fails with the reason, and the previous
            // container runs again, the same one.
            var failed = await UpgradeAsync(id, "homeserver-panel/echo-bridge:broken");
            var operation = failed.Operation!;
            operation.Succeeded.ShouldBeFalse();
            operation.Error!.ShouldContain("homeserver-panel/echo-bridge:next is running again");
            failed.Image.ShouldBe("homeserver-panel/echo-bridge:next");
            var after = (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo")).ShouldNotBeNull();
            after.ID.ShouldBe(container.ID);
            (after.State?.Running).ShouldBe(true);
            (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo-previous")).ShouldBeNull();
            // The rollback waited until the homeserver reached the old container again.
            (await hs.GetBridgeAsync(id)).Health.ShouldBe("healthy");

            var audit = await hs.Api.AuditAsync("action=bridge.upgrade");
            audit.ShouldContain(e => e.Outcome == "Success" && e.Details!.Contains("→ homeserver-panel/echo-bridge:next"));
            audit.ShouldContain(e => e.Outcome == "Failure" && e.Details!.Contains("is running again"));
        }
        finally
        {
            await hs.Api.Http.DeleteAsync($"/api/v1/bridges/{id}?deleteData=false", Ct);
            await hs.WaitUntilGoneAsync(id);
        }
    }

    private async Task<BridgeView> UpgradeAsync(Guid id, string image)
    {
        var response = await hs.Api.Http.PostAsJsonAsync($"/api/v1/bridges/{id}/upgrade", new { image }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        return await hs.WaitForBridgeAsync(id, v => v.Operation?.Kind == "bridge-upgrade");
    }

    [Fact]
    public async Task A_registration_that_Synapse_refuses_is_rolled_back_and_the_reason_shown()
    {
        var id = await hs.InstallBridgeAsync(new { catalogId = "broken-echo" });
        var failed = await hs.WaitForBridgeAsync(id, v => v.Phase is "failed" or "installed");

        failed.Status.ShouldBe("failed");
        var error = failed.LastError!;
        error.ShouldContain("registration was removed");
        error.ShouldContain("last log lines");
        (await hs.WaitUntilHealthyAsync()).Health.ShouldBe("healthy");
        (await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml")).ShouldNotContain("broken-echo");
        (await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-broken-echo")).ShouldBeNull();

        // A failed bridge can be removed.
        (await hs.Api.Http.DeleteAsync($"/api/v1/bridges/{id}?deleteData=true&confirm=broken-echo", Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hs.WaitUntilGoneAsync(id);
    }

    [Fact]
    public async Task A_bridge_gets_its_own_postgres_database_shows_when_it_crashes_and_deleting_its_data_drops_it()
    {
        var id = await hs.InstallBridgeAsync(new { catalogId = "echo-pg", owner = $"@owner:{hs.ServerName}" });
        var view = await hs.WaitForBridgeAsync(id, v => v.Phase is "installed" or "failed");
        view.Status.ShouldBe("running", view.ToString());
        view.Database.ShouldBe("postgres");

        // The database exists and the bridge's own role, with the password from its config, can use it.
        var config = await DockerTestHelper.ReadFileAsync($"{hs.Instance}-bridge-echo-pg", "/data/config.yaml");
        var uri = new Uri(Texts.Between(config, "uri: \"", "\""));
        var password = uri.UserInfo.Split(':')[1];
        var query = await DockerTestHelper.ExecAsync(hs.PostgresContainer,
            "sh", "-c", $"PGPASSWORD='{password}' psql -h 127.0.0.1 -U bridge_echo_pg -d bridge_echo_pg -tAc 'select current_user'");
        query.Trim().ShouldBe("bridge_echo_pg");

        // It crashes: its config is gone and it is killed. The page shows it, with its last log lines.
        await DockerTestHelper.ExecAsync($"{hs.Instance}-bridge-echo-pg", "sh", "-c", "rm /data/config.yaml && kill 1");
        // Docker restarts it at once, so "crashed" can be seen before the new start has written its error:
        // the wait ends when the page has both.
        var crashed = await hs.WaitForBridgeAsync(id,
            v => v.Status == "crashed" && v.LastLogLines.Any(l => l.Contains("config.yaml", StringComparison.OrdinalIgnoreCase)),
            TimeSpan.FromMinutes(1));
        crashed.Status.ShouldBe("crashed");

        // Deleting the data needs the confirmation, then drops the database and the volume.
        (await hs.Api.Http.DeleteAsync($"/api/v1/bridges/{id}?deleteData=true", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.DeleteAsync($"/api/v1/bridges/{id}?deleteData=true&confirm=echo-pg", Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hs.WaitUntilGoneAsync(id);
        (await DockerTestHelper.ExecAsync(hs.PostgresContainer, "psql", "-U", "synapse", "-d", "synapse", "-tAc", "select count(*) from pg_database where datname = 'bridge_echo_pg'")).Trim().ShouldBe("0");
        (await DockerTestHelper.VolumeExistsAsync($"{hs.Instance}-bridge-echo-pg-data")).ShouldBeFalse();
    }

    [Fact]
    public async Task The_owner_installs_the_echo_bridge_from_the_catalog_page_and_sees_it_running()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "bridge-install", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            var catalog = new BridgesPage(page);
            await catalog.OpenAsync();
            await Assertions.Expect(catalog.CatalogEntry("signal")).ToContainTextAsync("dock.mau.dev/mautrix/signal");
            var bridge = await catalog.InstallAsync("echo", $"@owner:{hs.ServerName}");

            // The bridge's page follows the install step by step, until it runs.
            await Assertions.Expect(bridge.Operation).ToBeVisibleAsync();
            // Running, or failed with the reason on the page: either ends the wait.
            await Assertions.Expect(bridge.Status).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(running|failed)$"), new() { Timeout = 180_000 });
            await Assertions.Expect(bridge.Status).ToHaveTextAsync("running");
            await Assertions.Expect(bridge.Step("login")).ToHaveAttributeAsync("data-status", "done");
            await Assertions.Expect(bridge.Login).ToContainTextAsync($"@echobot:{hs.ServerName}");
            await Assertions.Expect(bridge.Health).ToHaveTextAsync("healthy", new() { Timeout = 30_000 });
            await BrowserFixture.ScreenshotAsync(page, "bridge-running");

            // Uninstall asks first, then removes it.
            await bridge.UninstallAsync();
            await Assertions.Expect(bridge.NotInstalled).ToBeVisibleAsync(new() { Timeout = 180_000 });
        }, hs.Process);

        // Only this test's bridge: the class shares one homeserver, and another test's leftovers are its own failure.
        (await hs.Api.BridgesAsync()).ShouldNotContain(b => b.CatalogId == "echo");
        (await hs.WaitUntilHealthyAsync()).Health.ShouldBe("healthy");
    }

    private static string ReadToken(string registration) => Texts.Between(registration, "as_token: \"", "\"");
}
