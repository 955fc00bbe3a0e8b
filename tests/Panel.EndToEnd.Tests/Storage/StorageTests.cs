using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.EndToEnd.Tests.History;
using Panel.Testing;
using Panel.Testing.Slack;
using Panel.Testing.Workload;
using PurgeRequest = Panel.Web.Features.Monitoring.MonitoringEndpoints.PurgeRequest;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.Storage;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Storage;

/// <summary>A homeserver on SQLite whose disk always counts as low (every share free is under 100 %), checked every few seconds.</summary>
public sealed class StorageFixture() : InstalledHomeserverFixture(new Dictionary<string, string>
{
    ["Panel__Storage__DiskFreeAlertPercent"] = "100",
    ["Panel__Storage__CheckInterval"] = "00:00:05",
}, "storage.example.test");

/// <summary>The Storage page on the real Synapse with its embedded SQLite, through the API and in Chromium.</summary>
public sealed class StorageTests(BrowserFixture browser, StorageFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<StorageFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_SQLite_tables_are_counted_page_by_page_and_rooms_are_estimated_from_their_messages()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("talker", null, "talker's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("talker", "talker's long password");
        var room = await client.CreateRoomAsync("Chatty room");
        for (var i = 0; i < 40; i++)
        {
            await client.SendTextAsync(room, $"Message {i}: " + new string('x', 400));
        }

        var report = await hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true");

        report.Database.ShouldBe("sqlite");
        report.RoomSizesEstimated.ShouldBeTrue();
        report.Rooms.Select(r => r.Bytes).ShouldBeInOrder(SortDirection.Descending, "the room with the most message bytes comes first");
        var chatty = report.Rooms.Single(r => r.RoomId == room);
        chatty.Name.ShouldBe("Chatty room");
        chatty.Bytes.ShouldBeGreaterThan(40 * 400);
        // dbstat counts every page of the file: the tables (with their indexes) fit in it.
        report.Tables.Sum(t => t.Bytes).ShouldBeLessThanOrEqualTo(report.DatabaseBytes);
        var events = report.Tables.Single(t => t.Name == "event_json");
        events.Meaning.ShouldStartWith("message bodies");
        var counted = await DockerTestHelper.ExecAsync(hs.SynapseContainer, "python3", "-c",
            "import sqlite3; print(sqlite3.connect('file:/data/homeserver.db?mode=ro', uri=True).execute('SELECT COUNT(*) FROM event_json').fetchone()[0])");
        events.Rows.ShouldBe(long.Parse(counted.Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Rooms_nobody_here_is_in_are_listed_and_removed_after_confirmation_and_the_others_are_untouched()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("leaver", null, "leaver's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("leaver", "leaver's long password");
        var left = await client.CreateRoomAsync("Left behind");
        var used = await client.CreateRoomAsync("Still used");
        await client.SendTextAsync(left, "nobody will read this here");
        await client.SendTextAsync(used, "still read every day");
        await client.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(left)}/leave", new { });

        var report = await hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true");
        report.AbandonedRooms.Select(r => r.RoomId).ShouldContain(left);
        report.AbandonedRooms.Select(r => r.RoomId).ShouldNotContain(used);

        using (var unconfirmed = await hs.Api.Http.PostAsJsonAsync("/api/v1/storage/abandoned-rooms/remove", new AbandonedRoomsRequest([left]), Ct))
        {
            unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        using (var notAbandoned = await hs.Api.Http.PostAsJsonAsync("/api/v1/storage/abandoned-rooms/remove", new AbandonedRoomsRequest([left, used], Confirm: true), Ct))
        {
            notAbandoned.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await notAbandoned.Content.ReadAsStringAsync(Ct)).ShouldContain("it is not abandoned. Nothing was removed.");
        }

        using (var removed = await hs.Api.Http.PostAsJsonAsync("/api/v1/storage/abandoned-rooms/remove", new AbandonedRoomsRequest([left], Confirm: true), Ct))
        {
            removed.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await Eventually.UntilAsync(() => hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true"), r => r.AbandonedRooms.All(x => x.RoomId != left),
            TimeSpan.FromMinutes(1), "the room's removal", TimeSpan.FromSeconds(1));
        (await client.RecentTextsAsync(used)).ShouldContain("still read every day");
        (await hs.Api.AuditAsync("action=room.deleted")).ShouldContain(a => a.Target == left);
    }

    [Fact]
    public async Task A_history_purge_counts_what_it_will_remove_removes_that_and_refuses_dates_it_cannot_purge()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("purger", null, "purger's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("purger", "purger's long password");
        var room = await client.CreateRoomAsync("Old talk");
        for (var i = 0; i < 60; i++)
        {
            await client.SendTextAsync(room, $"old message {i}");
        }

        var now = DateTimeOffset.UtcNow;
        var path = $"/api/v1/rooms/{Uri.EscapeDataString(room)}/purge";
        async Task<string> RefusedAsync(PurgeRequest request)
        {
            using var response = await hs.Api.Http.PostAsJsonAsync(path, request, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            return await response.Content.ReadAsStringAsync(Ct);
        }

        (await RefusedAsync(new PurgeRequest(Before: now.AddDays(1), DryRun: true))).ShouldContain("is in the future");
        (await RefusedAsync(new PurgeRequest(Before: now.AddDays(-30), DryRun: true))).ShouldContain("Nothing in this room was sent before");
        (await hs.Api.PostAsync<PurgeCount>(path, new PurgeRequest(Before: now, DryRun: true))).Events.ShouldBe(0, "this server's users' messages are kept by default");
        var dry = await hs.Api.PostAsync<PurgeCount>(path, new PurgeRequest(DeleteLocalEvents: true, Before: now, DryRun: true));
        dry.Events.ShouldBe(59, "every message but the room's latest, which Synapse keeps");

        var started = await hs.Api.PostAsync<RoomOperation>(path, new PurgeRequest(DeleteLocalEvents: true, Before: now), HttpStatusCode.Accepted);
        var done = await Eventually.UntilAsync(() => hs.Api.GetAsync<RoomOperation>($"/api/v1/rooms/operations/{started.Id}"), o => o.FinishedAt is not null || o.Status == "failed",
            TimeSpan.FromMinutes(1), "the purge", TimeSpan.FromMilliseconds(500));

        done.Status.ShouldBe("complete", done.Error);
        done.Purge!.Events.ShouldBe(dry.Events);
        done.Purge.Removed.ShouldBe(dry.Events, "it removes what it said");
        (await hs.Api.AuditAsync("action=room.purge-history")).ShouldContain(a => a.Target == room && a.Details!.Contains("about", StringComparison.Ordinal));
        (await client.RecentTextsAsync(room)).ShouldBe(["old message 59"], "a client reads what is left");
    }

    [Fact]
    public async Task Imported_history_is_purged_by_the_dates_its_messages_were_sent_not_by_when_it_was_imported()
    {
        // Sixty days of Slack from January 2024, imported today: Synapse received all of it today.
        var written = SlackExportGenerator.Write(Path.Combine(TestEnvironment.NewTempDirectory("purge-import"), "Old team Slack export.zip"), SlackExportGenerator.Shape.Small with { Seed = 5 });
        await hs.ImportSlackAsync(await hs.UploadSlackAsync(written.Path), TimeSpan.FromMinutes(10));
        using var admin = new SynapseAdminReader(await hs.ClientUrlAsync(), await SharedSecretAdmin.RegisterAsync(new HttpClient { BaseAddress = new Uri(await hs.ClientUrlAsync()) },
            await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer), "purge-admin"));
        var general = (await admin.RoomsAsync("Old team")).Single(r => r.Name == "general").RoomId;
        static List<long> Sent(IEnumerable<System.Text.Json.JsonElement> events) =>
            [.. events.Where(e => e.GetProperty("type").GetString() == "m.room.message").Select(e => e.GetProperty("origin_server_ts").GetInt64())];
        var sent = Sent(await admin.RoomEventsAsync(general));
        var cutoff = written.First.AddDays(30);
        var older = sent.Count(t => t < cutoff.ToUnixTimeMilliseconds());
        older.ShouldBeInRange(sent.Count / 3, sent.Count * 2 / 3, "about half the channel was sent in its first 30 days");

        var path = $"/api/v1/rooms/{Uri.EscapeDataString(general)}/purge";
        var dry = await hs.Api.PostAsync<PurgeCount>(path, new PurgeRequest(DeleteLocalEvents: true, Before: cutoff, DryRun: true));
        var started = await hs.Api.PostAsync<RoomOperation>(path, new PurgeRequest(DeleteLocalEvents: true, Before: cutoff), HttpStatusCode.Accepted);
        var done = await Eventually.UntilAsync(() => hs.Api.GetAsync<RoomOperation>($"/api/v1/rooms/operations/{started.Id}"), o => o.FinishedAt is not null || o.Status == "failed",
            TimeSpan.FromMinutes(1), "the purge", TimeSpan.FromMilliseconds(500));

        done.Status.ShouldBe("complete", done.Error);
        done.Purge!.Removed.ShouldBe(dry.Events);
        var left = Sent(await admin.RoomEventsAsync(general));
        left.ShouldAllBe(t => t >= cutoff.ToUnixTimeMilliseconds(), "every message sent before the date is gone");
        left.Count.ShouldBe(sent.Count - older, "and every message sent after it is still there");
        dry.Events.ShouldBeGreaterThanOrEqualTo(older, "the count includes the messages (and their reactions and edits)");
    }

    [Fact]
    public async Task The_rooms_page_says_how_many_events_a_purge_removes_asks_for_the_word_and_shows_what_it_removed()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("browserpurger", null, "browserpurger's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("browserpurger", "browserpurger's long password");
        var room = await client.CreateRoomAsync("Browser purge");
        for (var i = 0; i < 20; i++)
        {
            await client.SendTextAsync(room, $"to be purged {i}");
        }

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "rooms-purge", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/rooms");
            await AdminPage.WaitForInteractiveAsync(page);
            await page.Locator("tr", new() { HasText = room }).GetByRole(AriaRole.Button, new() { Name = "Purge old history" }).ClickAsync();
            await page.GetByLabel("Sent more than (days) ago").FillAsync("0");
            await page.GetByText("Also delete messages of this server's users").ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Purge", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator(".mud-dialog")).ToContainTextAsync("About 19 event(s)");
            await BrowserFixture.ScreenshotAsync(page, "rooms-purge-confirm");
            await page.Locator(".mud-dialog input").First.FillAsync("purge");
            await page.GetByTestId("confirm-button").ClickAsync();
            await Assertions.Expect(page.GetByTestId("room-operation").First).ToContainTextAsync("removed", new() { Timeout = 60_000 });
        }, hs.Process);
    }

    [Fact]
    public async Task On_SQLite_VACUUM_runs_with_Synapse_stopped_after_a_backup_and_Synapse_comes_back_with_its_data()
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest("sqlitevacuumer", null, "sqlitevacuumer's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("sqlitevacuumer", "sqlitevacuumer's long password");
        var kept = await client.CreateRoomAsync("Kept through the vacuum");
        await client.SendTextAsync(kept, "here before and after");

        await hs.Api.PostAsync<VacuumPlan>("/api/v1/storage/vacuum", new VacuumRequest(Full: true, Confirm: true), HttpStatusCode.Accepted);
        var done = await hs.WaitForOperationAsync(DatabaseMaintenance.Kind, TimeSpan.FromMinutes(5));

        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        done.Operation.Steps.Select(s => s.Key).ShouldBe(["stop", "vacuum", "start", "health"]);
        (await hs.Api.BackupsAsync()).ShouldContain(b => b.Status == "completed", "a backup ran first");
        (await DockerTestHelper.InspectAsync(hs.SynapseContainer + "-maintenance")).ShouldBeNull("the helper is removed");
        // SQLite's own check of the rewritten file, and a real client reading it through Synapse.
        (await DockerTestHelper.ExecAsync(hs.SynapseContainer, "python3", "-c",
            "import sqlite3; print(sqlite3.connect('file:/data/homeserver.db?mode=ro', uri=True).execute('PRAGMA integrity_check').fetchone()[0])")).Trim().ShouldBe("ok");
        using var again = new MatrixClient(await hs.ClientUrlAsync());
        await again.LoginAsync("sqlitevacuumer", "sqlitevacuumer's long password");
        (await again.RecentTextsAsync(kept)).ShouldContain("here before and after");
    }

    [Fact]
    public async Task The_page_shows_where_the_bytes_are_and_purges_remote_media_after_typed_confirmation_at_desktop_and_phone_width()
    {
        var now = DateTimeOffset.UtcNow;
        var seeded = await RemoteMediaSeeder.SeedAsync(hs, postgres: false, (250_000, now.AddDays(-90)), (50_000, now.AddHours(-1)));
        // Two capacity snapshots: the page draws the sizes' trend from them.
        for (var i = 0; i < 2; i++)
        {
            await hs.Api.PostAsync<Panel.Web.Features.Capacity.CapacitySnapshotView>("/api/v1/capacity/snapshots", new { });
        }

        // The page shows the last reading (a minute old at most): take one now that the media are there.
        await hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true");
        // The disk alert names the biggest thing to take back: those old copies.
        var alert = await Eventually.UntilAsync(hs.Api.AlertsAsync, a => a.Any(x => x.Key == "disk" && x.Message.Contains("remote media", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the disk alert naming the remote media");
        alert.Single(x => x.Key == "disk").Message.ShouldContain("about 244.1 KiB");
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var storage = new StoragePage(page);
        await BrowserFixture.RunAsync(page, "storage", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await storage.OpenAsync();
            // The first reading reads every page of the database (and the disk check every 5 s here shares it): a few seconds.
            await Assertions.Expect(storage.Table("event_json")).ToContainTextAsync("message bodies", new() { Timeout = 30_000 });
            await Assertions.Expect(storage.RoomsEstimated).ToBeVisibleAsync();
            await Assertions.Expect(storage.RemoteMedia).ToContainTextAsync("2 file(s)");
            await Assertions.Expect(page.GetByText("Disk almost full").First).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("storage-trend").Locator("svg").First).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, "storage");

            await storage.AskWhatWouldGoAsync(30);
            await Assertions.Expect(storage.Estimate).ToContainTextAsync("1 file(s), 244.1 KiB");
            await storage.PurgeAsync();
            await Assertions.Expect(storage.LastPurge).ToContainTextAsync("1 file(s) deleted", new() { Timeout = 60_000 });
            // Measured again once the purge ends (dbstat reads the whole file: a few seconds).
            await Assertions.Expect(storage.RemoteMedia).ToContainTextAsync("1 file(s)", new() { Timeout = 30_000 });
            await BrowserFixture.ScreenshotAsync(page, "storage-purged");

            await page.SetViewportSizeAsync(390, 844);
            await storage.ReloadAsync();
            await Assertions.Expect(storage.Table("event_json")).ToBeVisibleAsync();
            await BrowserFixture.ShouldFitTheWidthAsync(page, 390);
            await BrowserFixture.ScreenshotAsync(page, "storage-phone");
        }, hs.Process);

        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[0])).ShouldBeFalse();
        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[1])).ShouldBeTrue();
        (await hs.Api.AuditAsync("action=storage.purge-remote-media")).ShouldNotBeEmpty();
    }
}
