using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Panel.Testing;
using Panel.Web.Features.History;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.History;

/// <summary>
/// A room's archive, made by the panel from the real Synapse, read back: its events are the room's,
/// its media are the files, and its index.html, opened from disk in Chromium with the network cut,
/// shows the conversation.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class RoomArchiveTests(HistoryHomeserverFixture hs, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_rooms_archive_holds_its_events_state_and_files_and_its_page_shows_them_offline_with_threads_and_search()
    {
        var client = await MemberAsync("archivist");
        var room = await client.CreateRoomAsync("Trip photos");
        var hello = await client.SendTextAsync(room, "hello <script>document.title='owned'</script> everyone");
        using var image = new ByteArrayContent(Panel.Testing.Slack.SlackExportGenerator.Png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var uploaded = await client.Http.PostAsync("/_matrix/media/v3/upload?filename=beach.png", image, Ct);
        var mxc = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("content_uri").GetString()!;
        await client.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/img1", new { msgtype = "m.image", body = "beach.png", url = mxc, info = new { mimetype = "image/png" } });
        await client.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t1",
            new Dictionary<string, object> { ["msgtype"] = "m.text", ["body"] = "the sunset was best", ["m.relates_to"] = new Dictionary<string, object> { ["rel_type"] = "m.thread", ["event_id"] = hello } });
        await client.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.reaction/r1",
            new Dictionary<string, object> { ["m.relates_to"] = new Dictionary<string, object> { ["rel_type"] = "m.annotation", ["event_id"] = hello, ["key"] = "🎉" } });
        await client.SendTextAsync(room, "see you at the lighthouse");

        var dir = await ArchiveAsync(room);
        var lines = File.ReadAllLines(Path.Combine(dir, "events.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var timeline = await client.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/messages?dir=f&limit=1000");
        lines.Select(e => e.GetProperty("event_id").GetString()).ShouldBe(timeline.GetProperty("chunk").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "state.json"))).RootElement.EnumerateArray().ShouldContain(e => e.GetProperty("type").GetString() == "m.room.create");
        File.ReadAllBytes(Path.Combine(dir, "media", RoomArchiveWriter.MediaFileName(mxc))).ShouldBe(Panel.Testing.Slack.SlackExportGenerator.Png);

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var requests = new List<string>();
        await page.Context.RouteAsync("**/*", async route =>
        {
            if (!route.Request.Url.StartsWith("file://", StringComparison.Ordinal))
            {
                requests.Add(route.Request.Url);
                await route.AbortAsync();
                return;
            }

            await route.ContinueAsync();
        });
        await BrowserFixture.RunAsync(page, "room-archive", async () =>
        {
            await page.GotoAsync(new Uri(Path.Combine(dir, "index.html")).AbsoluteUri);
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Trip photos");
            await Assertions.Expect(page.GetByText("hello <script>document.title='owned'</script> everyone")).ToBeVisibleAsync();
            (await page.TitleAsync()).ShouldNotBe("owned");
            await Assertions.Expect(page.GetByText("see you at the lighthouse")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("img[alt='beach.png']")).ToBeVisibleAsync();
            (await page.EvalOnSelectorAsync<int>("img[alt='beach.png']", "i => i.naturalWidth")).ShouldBe(1);
            await Assertions.Expect(page.GetByText("1 reply")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator(".reactions")).ToContainTextAsync("🎉 1");

            await page.GetByLabel("Search messages").FillAsync("sunset");
            await Assertions.Expect(page.GetByText("the sunset was best")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("see you at the lighthouse")).ToBeHiddenAsync();
            await BrowserFixture.ScreenshotAsync(page, "room-archive");
        });
        requests.ShouldBeEmpty("the page needs no network");
    }

    [Fact]
    public async Task An_encrypted_rooms_archive_says_the_server_holds_only_ciphertext_and_keeps_its_state_and_metadata()
    {
        var client = await MemberAsync("cipher");
        var room = await client.CreateRoomAsync("Secrets", extra: null);
        await client.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.encryption/", new { algorithm = "m.megolm.v1.aes-sha2" });
        await client.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.encrypted/e1",
            new { algorithm = "m.megolm.v1.aes-sha2", ciphertext = "AwgAEnAC...", device_id = "DEV", sender_key = "key", session_id = "session" });

        var dir = await ArchiveAsync(room);
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "room.json"))).RootElement;
        meta.GetProperty("encrypted").GetBoolean().ShouldBeTrue();
        meta.GetProperty("notice").GetString()!.ShouldContain("only ciphertext");
        File.ReadAllLines(Path.Combine(dir, "events.jsonl")).ShouldContain(l => l.Contains("m.room.encrypted", StringComparison.Ordinal));

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await page.GotoAsync(new Uri(Path.Combine(dir, "index.html")).AbsoluteUri);
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("only ciphertext");
        await Assertions.Expect(page.GetByText("An encrypted message").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Archiving_a_room_the_server_does_not_hold_is_a_clear_404_and_a_name_that_is_not_an_archive_is_not_found()
    {
        var response = await hs.Api.Http.PostAsJsonAsync("/api/v1/history/archives", new RoomArchiveRequest("!nowhere:history.example.test"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("holds no room");
        (await hs.Api.Http.GetAsync("/api/v1/history/archives/..%2Fpanel.db", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hs.Process.CreateClient().GetAsync("/api/v1/history/archives", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_room_chosen_for_the_backups_is_archived_into_every_backup_and_goes_with_it_when_the_backup_is_deleted()
    {
        var client = await MemberAsync("keeper");
        var room = await client.CreateRoomAsync("Book club");
        await client.SendTextAsync(room, "chapter one was slow");
        await client.PutAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString("#book-club:" + hs.ServerName)}", new { room_id = room });

        // Chosen by its alias, kept by its ID; a room the server does not hold, or no room at all, is refused.
        var chosen = await hs.Api.PostAsync<ScheduledArchiveView>("/api/v1/history/archives/scheduled", new RoomArchiveRequest("#book-club:" + hs.ServerName), HttpStatusCode.Created);
        chosen.RoomId.ShouldBe(room);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/history/archives/scheduled", new RoomArchiveRequest("!nowhere:" + hs.ServerName), Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/history/archives/scheduled", new RoomArchiveRequest(" "), Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.GetAsync<List<ScheduledArchiveView>>("/api/v1/history/archives/scheduled")).ShouldContain(r => r.RoomId == room && r.Name == "Book club");

        var backup = await Panel.EndToEnd.Tests.Backups.BackupSteps.BackUpAsync(hs);
        backup.Contents.ShouldNotBeNull().ShouldContain(ScheduledRoomArchives.Kind);
        var set = Path.Combine(hs.Process.DataDirectory, "backups", backup.Directory);
        var archive = Directory.GetFiles(Path.Combine(set, "rooms"), "book-club-*.zip").ShouldHaveSingleItem();
        using (var zip = ZipFile.OpenRead(archive))
        {
            using var events = new StreamReader(zip.GetEntry("events.jsonl")!.Open());
            (await events.ReadToEndAsync(Ct)).ShouldContain("chapter one was slow");
            zip.GetEntry("index.html").ShouldNotBeNull();
        }

        File.ReadAllText(Path.Combine(set, "manifest.json")).ShouldContain("rooms/book-club-");

        // The archive is part of the backup: deleting the backup (as the retention does) deletes it.
        (await hs.Api.Http.DeleteAsync($"/api/v1/backups/{backup.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        File.Exists(archive).ShouldBeFalse();

        (await hs.Api.Http.DeleteAsync($"/api/v1/history/archives/scheduled/{Uri.EscapeDataString(room)}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hs.Api.GetAsync<List<ScheduledArchiveView>>("/api/v1/history/archives/scheduled")).ShouldNotContain(r => r.RoomId == room);
        (await hs.Api.Http.DeleteAsync($"/api/v1/history/archives/scheduled/{Uri.EscapeDataString(room)}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<MatrixClient> MemberAsync(string name)
    {
        await hs.Api.CreateUserAsync(new CreateUserRequest(name, null, $"{name}'s long password", false));
        var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync(name, $"{name}'s long password");
        return client;
    }

    /// <summary>Archives the room through the API, downloads the ZIP and unpacks it; answers the folder.</summary>
    private async Task<string> ArchiveAsync(string room)
    {
        var started = await hs.Api.PostAsync<RoomArchiveView>("/api/v1/history/archives", new RoomArchiveRequest(room), HttpStatusCode.Accepted);
        var done = await hs.WaitForOperationAsync("room-archive");
        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        (await hs.Api.GetAsync<List<RoomArchiveView>>("/api/v1/history/archives")).ShouldContain(a => a.Name == started.Name && a.Bytes > 0);
        var zip = await hs.Api.Http.GetByteArrayAsync($"/api/v1/history/archives/{started.Name}", Ct);
        var dir = TestEnvironment.NewTempDirectory("archive");
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            archive.ExtractToDirectory(dir);
        }

        return dir;
    }
}
