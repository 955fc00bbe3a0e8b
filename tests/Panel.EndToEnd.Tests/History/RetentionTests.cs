using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.History;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.History;

/// <summary>
/// Retention, visible, on the real Synapse: the server's policy set from the page (written into
/// homeserver.yaml, Synapse restarted), a room's own policy set as its local admin, and a room whose
/// older messages were purged shown as incomplete.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class RetentionTests(HistoryHomeserverFixture hs, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const long Day = 86_400_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_owner_sees_and_sets_the_servers_and_a_rooms_retention_with_a_warning_and_a_purged_room_says_its_history_is_incomplete()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("chair", null, "the chair's long password", false));
        using var chair = new MatrixClient(await hs.ClientUrlAsync());
        await chair.LoginAsync("chair", "the chair's long password");
        var minutes = await chair.CreateRoomAsync("Minutes");
        await chair.SendTextAsync(minutes, "the meeting opened at seven");
        var old = await chair.CreateRoomAsync("Old news");
        await chair.SendTextAsync(old, "yesterday's paper");
        await Task.Delay(1500, Ct);
        var cut = DateTimeOffset.UtcNow;
        await Task.Delay(1500, Ct);
        await chair.SendTextAsync(old, "today's paper");
        await PurgeAsync(old, cut);

        var view = await hs.Api.GetAsync<RetentionView>("/api/v1/history/retention");
        view.Server.Enabled.ShouldBeFalse();
        var minutesRow = view.Rooms.Single(r => r.RoomId == minutes);
        minutesRow.MaxLifetimeDays.ShouldBeNull();
        minutesRow.Incomplete.ShouldBeNull();
        view.Rooms.Single(r => r.RoomId == old).Incomplete.ShouldNotBeNull().ShouldContain("deleted");

        // A room's own lifetime deletes messages: the API wants it confirmed; it is sent as the room's admin here.
        var unconfirmed = await hs.Api.Http.PutAsJsonAsync($"/api/v1/history/retention/rooms/{Uri.EscapeDataString(minutes)}", new RoomRetentionRequest(30), Ct);
        unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unconfirmed.Content.ReadAsStringAsync(Ct)).ShouldContain("confirm");
        var set = await hs.Api.Http.PutAsJsonAsync($"/api/v1/history/retention/rooms/{Uri.EscapeDataString(minutes)}", new RoomRetentionRequest(30, Confirm: true), Ct);
        (await set.Content.ReadAsStringAsync(Ct)).ShouldContain($"@chair:{hs.ServerName}");
        var state = await chair.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(minutes)}/state/m.room.retention/");
        state.GetProperty("max_lifetime").GetInt64().ShouldBe(30 * Day);
        // The panel's session as the chair lasted one request.
        (await chair.GetAsync("/_matrix/client/v3/devices")).GetProperty("devices").GetArrayLength().ShouldBe(1);
        (await hs.Api.Http.PutAsJsonAsync($"/api/v1/history/retention/rooms/{Uri.EscapeDataString("!nowhere:" + hs.ServerName)}", new RoomRetentionRequest(null), Ct))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/history/retention", new RetentionRequest(true, 0, null, true), Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // The server's policy, from the page: shown, warned about, applied with a restart.
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var history = new HistoryPage(page);
        await BrowserFixture.RunAsync(page, "retention", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await history.OpenAsync();
            await Assertions.Expect(page.GetByTestId("retention-policy")).ToContainTextAsync("kept forever");
            var row = page.Locator($"[data-testid=retention-room][data-room='{minutes}']");
            await Assertions.Expect(row.GetByTestId("room-lifetime")).ToHaveTextAsync("30 days (its own)");
            await Assertions.Expect(page.Locator($"[data-testid=retention-room][data-room='{old}']").GetByTestId("room-history")).ToContainTextAsync("incomplete");

            await page.GetByText("Delete old messages").ClickAsync();
            await page.GetByLabel("Default lifetime (days)").FillAsync("365");
            await page.GetByTestId("retention-save").ClickAsync();
            await Assertions.Expect(page.Locator(".mud-dialog")).ToContainTextAsync("permanently delete");
            await BrowserFixture.ScreenshotAsync(page, "retention-confirm");
            await page.GetByTestId("confirm-button").ClickAsync();
        }, hs.Process);

        var applied = await hs.WaitForOperationAsync("configure", TimeSpan.FromMinutes(3));
        applied.Operation!.Succeeded.ShouldBeTrue(applied.Operation.Error);
        var yaml = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml");
        yaml.ShouldContain("retention:");
        yaml.ShouldContain("max_lifetime: 365d");
        (await hs.Api.GetAsync<RetentionView>("/api/v1/history/retention")).Description.ShouldContain("after 1 year");

        await BrowserFixture.RunAsync(page, "retention-phone", async () =>
        {
            await page.SetViewportSizeAsync(390, 844);
            await history.ReloadAsync();
            await Assertions.Expect(page.GetByTestId("retention-policy")).ToContainTextAsync("after 1 year");
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await BrowserFixture.ScreenshotAsync(page, "retention-phone");
        }, hs.Process);

        (await hs.Api.AuditAsync("action=history.room-retention")).ShouldContain(a => a.Target == minutes && a.Details!.Contains("30 days", StringComparison.Ordinal));
        (await hs.Api.AuditAsync("action=homeserver.retention")).ShouldNotBeEmpty();

        // Off again, so that the collection's other tests see the server as it was.
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/history/retention", new RetentionRequest(false, null, null), Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await hs.WaitForOperationAsync("configure", TimeSpan.FromMinutes(3))).Operation!.Succeeded.ShouldBeTrue();
        (await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml")).ShouldNotContain("retention:");
    }

    /// <summary>Purges the room's history before <paramref name="before"/> through Synapse's admin API, and waits until it is done.</summary>
    private async Task PurgeAsync(string room, DateTimeOffset before)
    {
        using var admin = new MatrixClient(await hs.ClientUrlAsync());
        admin.Http.DefaultRequestHeaders.Authorization = new("Bearer", await SharedSecretAdmin.RegisterAsync(
            new HttpClient { BaseAddress = new Uri(await hs.ClientUrlAsync()) }, await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer), "retention-admin"));
        var purge = await admin.PostAsync($"/_synapse/admin/v1/purge_history/{Uri.EscapeDataString(room)}",
            new { delete_local_events = true, purge_up_to_ts = before.ToUnixTimeMilliseconds() });
        var id = purge.GetProperty("purge_id").GetString()!;
        await Eventually.UntilAsync(async () => (await admin.GetAsync($"/_synapse/admin/v1/purge_history_status/{id}")).GetProperty("status").GetString(),
            s => s != "active", TimeSpan.FromMinutes(1), "the purge", TimeSpan.FromMilliseconds(300));
    }
}
