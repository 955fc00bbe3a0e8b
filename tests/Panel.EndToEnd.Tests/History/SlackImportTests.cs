using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Domain.History;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Infrastructure.Slack;
using Panel.Testing;
using Panel.Testing.Slack;
using Panel.Testing.Workload;
using Panel.Web.Features.History;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.History;

public sealed class HistoryHomeserverFixture() : InstalledHomeserverFixture(null, "history.example.test");

/// <summary>One homeserver for the History tests: the API's and the page's.</summary>
[CollectionDefinition(Name)]
public sealed class HistoryCollection : ICollectionFixture<HistoryHomeserverFixture>
{
    public const string Name = "History";
}

/// <summary>
/// A Slack export (the generator's: five channels, 2,800 messages over two years, threads, edits,
/// reactions, files, a deleted user and a bot) imported into the real Synapse by the panel, and read
/// back by a real client and by Synapse's admin API.
/// </summary>
[Collection(HistoryCollection.Name)]
public sealed class SlackImportTests(HistoryHomeserverFixture hs)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_run_killed_halfway_and_started_again_leaves_every_message_exactly_once_with_its_author_time_thread_and_reactions_and_a_second_import_adds_nothing()
    {
        var dir = TestEnvironment.NewTempDirectory("slack");
        // About half the generator's 5,200 (bench P9 imports those): every kind of message is still in
        // it, and the import, which is Synapse-bound, takes two minutes less of the suite.
        var written = SlackExportGenerator.Write(Path.Combine(dir, "Acme Slack export Jan 1 2024 - Dec 31 2025.zip"), new SlackExportGenerator.Shape(Messages: 2800));
        var upload = await UploadAsync(written.Path);
        upload.Workspace.ShouldBe("Acme");
        upload.Preview!.Messages.ShouldBe(written.Messages);
        upload.Preview.Channels.Count.ShouldBe(5);
        upload.Preview.FilesMissing.ShouldBe(written.FilesLinked);
        upload.Preview.NotComingAcross.ShouldContain(s => s.Contains("only links to Slack", StringComparison.Ordinal));

        // Killed halfway: the panel process dies mid-import, and comes back with the import interrupted.
        await StartImportAsync(upload.Id);
        await Eventually.UntilAsync(() => GetAsync(upload.Id), v => v.Done >= v.Total / 3 || v.Status != "importing", TimeSpan.FromMinutes(6), "a third of the messages sent", TimeSpan.FromMilliseconds(200));
        (await GetAsync(upload.Id)).Status.ShouldBe("importing", (await GetAsync(upload.Id)).LastError);
        await hs.RestartProcessAsync(kill: true);
        (await GetAsync(upload.Id)).Status.ShouldBe("interrupted");

        await StartImportAsync(upload.Id);
        var done = await WaitForImportAsync(upload.Id);
        done.Status.ShouldBe("done", done.LastError);

        using var admin = new SynapseAdminReader(await hs.ClientUrlAsync(), await SharedSecretAdmin.RegisterAsync(new HttpClient { BaseAddress = new Uri(await hs.ClientUrlAsync()) },
            await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer), "history-admin"));
        var first = await ExactlyOnceAsync(admin, written.Path);

        // A member reads #general as any client does: ghosts with their names, Slack's times, threads and reactions.
        await hs.Api.CreateUserAsync(new CreateUserRequest("reader", null, "the reader's long password", false));
        using var reader = new MatrixClient(await hs.ClientUrlAsync());
        await reader.LoginAsync("reader", "the reader's long password");
        var directory = await reader.PostAsync("/_matrix/client/v3/publicRooms", new { limit = 50 });
        // The collection's other test imports a workspace with a #general too: this one is Acme's.
        var general = (await admin.RoomsAsync("Acme")).Single(r => r.Name == "general").RoomId;
        var published = directory.GetProperty("chunk").EnumerateArray().ToList();
        published.ShouldContain(r => r.GetProperty("room_id").GetString() == general, "Acme's #general is in the public directory");
        published.Count(r => IsSpace(r) && r.GetProperty("name").GetString() == "Acme").ShouldBe(1);
        await reader.JoinAsync(general);
        var events = await reader.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(general)}/messages?dir=f&limit=1000");
        var messages = events.GetProperty("chunk").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "m.room.message").ToList();
        messages.Count.ShouldBeGreaterThan(500);
        var slackGeneral = Messages(written.Path, "general");
        var byTime = slackGeneral.GroupBy(m => m.Time.ToUnixTimeMilliseconds()).ToDictionary(g => g.Key, g => g.First());
        // A person's message (a bot's has no Slack user).
        var m0 = messages.First(e => byTime.GetValueOrDefault(e.GetProperty("origin_server_ts").GetInt64())?.User is not null);
        var slack0 = byTime[m0.GetProperty("origin_server_ts").GetInt64()];
        m0.GetProperty("sender").GetString().ShouldBe($"@{SlackNames.GhostLocalpart(slack0.User!)}:{hs.ServerName}");
        var profile = await reader.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(m0.GetProperty("sender").GetString()!)}");
        profile.GetProperty("displayname").GetString().ShouldStartWith(slack0.User == "U999GONE" ? "Former Member" : slack0.User == "U001PERSON" ? "P1" : "Person ");
        messages.First().GetProperty("origin_server_ts").GetInt64().ShouldBe(slackGeneral.Min(m => m.Time).ToUnixTimeMilliseconds());
        messages.Count(IsThreadReply).ShouldBeGreaterThan(0);
        events.GetProperty("chunk").EnumerateArray().ShouldContain(e => e.GetProperty("type").GetString() == "m.reaction");

        // A second import of the same export sends nothing.
        await StartImportAsync(upload.Id);
        (await WaitForImportAsync(upload.Id)).Status.ShouldBe("done");
        (await ExactlyOnceAsync(admin, written.Path)).ShouldBe(first);
        (await hs.GetHomeserverAsync()).Health.ShouldBe("healthy");
    }

    [Fact]
    public async Task A_zip_that_is_not_an_export_is_cut_short_climbs_out_or_is_a_bomb_is_refused_with_a_clear_message_and_nothing_kept()
    {
        var dir = TestEnvironment.NewTempDirectory("bad-slack");
        var before = (await hs.Api.GetAsync<List<SlackImportView>>("/api/v1/history/slack")).Count;
        foreach (var (path, reason) in new[]
                 {
                     (BadZips.NotAnExport(dir), "users.json"), (BadZips.Truncated(dir), "ZIP"), (BadZips.PathTraversal(dir), "path"), (BadZips.Bomb(dir), "unpack"),
                 })
        {
            using var body = new StreamContent(File.OpenRead(path));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            var response = await hs.Api.Http.PostAsync($"/api/v1/history/slack?fileName={Uri.EscapeDataString(Path.GetFileName(path))}", body, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            text.ShouldContain(reason, Case.Insensitive);
            text.ShouldNotContain("   at ");
        }

        (await hs.Api.GetAsync<List<SlackImportView>>("/api/v1/history/slack")).Count.ShouldBe(before);
        Directory.EnumerateFiles(Path.Combine(hs.Process.DataDirectory, "history")).ShouldAllBe(f => !f.EndsWith(".zip", StringComparison.Ordinal) || KnownUpload(f));
        (await hs.GetHomeserverAsync()).Health.ShouldBe("healthy");
    }

    private static bool IsSpace(JsonElement room) => room.TryGetProperty("room_type", out var t) && t.GetString() == "m.space";

    private static bool IsThreadReply(JsonElement e) => e.GetProperty("content").TryGetProperty("m.relates_to", out var r) && r.GetProperty("rel_type").GetString() == "m.thread";

    private bool KnownUpload(string file) =>
        hs.Api.GetAsync<List<SlackImportView>>("/api/v1/history/slack").GetAwaiter().GetResult().Any(v => file.Contains(v.Id.ToString("N"), StringComparison.Ordinal));

    /// <summary>
    /// Every Slack message of every channel is in its room exactly once (no two events of a ghost
    /// share a time, type and body, and every message's time is there); so is every reaction.
    /// Answers the number of events the ghosts sent.
    /// </summary>
    private async Task<int> ExactlyOnceAsync(SynapseAdminReader admin, string export)
    {
        using var reader = SlackExportReader.Open(export);
        var rooms = await admin.RoomsAsync("Acme");
        var total = 0;
        foreach (var channel in reader.Channels)
        {
            var name = channel.Kind == SlackChannelKind.Direct ? $"Direct messages ({channel.Id})" : channel.Name;
            var events = await admin.RoomEventsAsync(rooms.Single(r => r.Name == name).RoomId);
            var ghosts = events.Where(e => e.GetProperty("sender").GetString()!.StartsWith("@slack_", StringComparison.Ordinal)).ToList();
            var messages = ghosts.Where(e => e.GetProperty("type").GetString() == "m.room.message").ToList();
            var duplicates = messages.GroupBy(e => (e.GetProperty("sender").GetString(), e.GetProperty("origin_server_ts").GetInt64(), e.GetProperty("content").GetProperty("msgtype").GetString(), e.GetProperty("content").GetProperty("body").GetString()))
                .Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            duplicates.ShouldBeEmpty($"#{channel.Name} has messages twice");
            var slack = reader.Messages(channel).Where(m => !m.IsHousekeeping).ToList();
            var times = messages.Select(e => e.GetProperty("origin_server_ts").GetInt64()).ToHashSet();
            slack.Where(m => !times.Contains(m.Time.ToUnixTimeMilliseconds())).Select(m => m.Ts).ShouldBeEmpty($"#{channel.Name} misses messages");
            var reactions = ghosts.Where(e => e.GetProperty("type").GetString() == "m.reaction").ToList();
            reactions.Count.ShouldBe(slack.Sum(m => m.Reactions.Sum(r => r.Users.Count)), $"#{channel.Name}'s reactions");
            total += ghosts.Count;
        }

        return total;
    }

    private static List<SlackMessage> Messages(string export, string channel)
    {
        using var reader = SlackExportReader.Open(export);
        return [.. reader.Messages(reader.Channels.Single(c => c.Name == channel)).Where(m => !m.IsHousekeeping)];
    }

    private async Task<SlackImportView> UploadAsync(string path)
    {
        using var body = new StreamContent(File.OpenRead(path));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var response = await hs.Api.Http.PostAsync($"/api/v1/history/slack?fileName={Uri.EscapeDataString(Path.GetFileName(path))}", body, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<SlackImportView>(PanelApi.Json, Ct))!;
    }

    private Task StartImportAsync(Guid id) => hs.Api.PostAsync($"/api/v1/history/slack/{id}/import", new SlackImportRequest(null, null), HttpStatusCode.Accepted);

    private Task<SlackImportView> GetAsync(Guid id) => hs.Api.GetAsync<SlackImportView>($"/api/v1/history/slack/{id}");

    private Task<SlackImportView> WaitForImportAsync(Guid id) =>
        Eventually.UntilAsync(() => GetAsync(id), v => v.Status is not ("importing" or "uploaded"), TimeSpan.FromMinutes(12), "the import", TimeSpan.FromSeconds(1));
}

/// <summary>Reads rooms through Synapse's admin API (all of them, whoever is in them).</summary>
internal sealed class SynapseAdminReader : IDisposable
{
    private readonly MatrixClient _client;

    public SynapseAdminReader(string url, string adminToken)
    {
        _client = new MatrixClient(url);
        _client.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    /// <summary>Every event of the room, oldest first.</summary>
    public async Task<List<JsonElement>> RoomEventsAsync(string room)
    {
        var events = new List<JsonElement>();
        string? from = null;
        while (true)
        {
            var page = await _client.GetAsync($"/_synapse/admin/v1/rooms/{Uri.EscapeDataString(room)}/messages?dir=f&limit=1000" + (from is null ? "" : $"&from={Uri.EscapeDataString(from)}"));
            var chunk = page.GetProperty("chunk").EnumerateArray().Select(e => e.Clone()).ToList();
            events.AddRange(chunk);
            if (chunk.Count == 0 || !page.TryGetProperty("end", out var end))
            {
                return events;
            }

            from = end.GetString();
        }
    }

    /// <summary>The rooms of the space named <paramref name="space"/>: their names and join rules.</summary>
    public async Task<List<(string Name, string? JoinRule, string RoomId)>> RoomsAsync(string space)
    {
        var all = (await _client.GetAsync("/_synapse/admin/v1/rooms?limit=500")).GetProperty("rooms").EnumerateArray().ToList();
        var spaceId = all.Single(r => r.GetProperty("name").GetString() == space).GetProperty("room_id").GetString()!;
        var children = new List<(string, string?, string)>();
        foreach (var room in all)
        {
            var state = await _client.GetAsync($"/_synapse/admin/v1/rooms/{Uri.EscapeDataString(room.GetProperty("room_id").GetString()!)}/state");
            if (state.GetProperty("state").EnumerateArray().Any(e => e.GetProperty("type").GetString() == "m.space.parent" && e.GetProperty("state_key").GetString() == spaceId))
            {
                children.Add((room.GetProperty("name").GetString()!, room.TryGetProperty("join_rules", out var rule) ? rule.GetString() : null, room.GetProperty("room_id").GetString()!));
            }
        }

        return children;
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>The History page in Chromium: the owner uploads an export, reads what is in it, chooses channels and imports them.</summary>
[Collection(HistoryCollection.Name)]
public sealed class HistoryPageTests(HistoryHomeserverFixture hs, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_owner_uploads_an_export_sees_its_preview_chooses_channels_and_imports_them_and_a_bad_zip_is_refused_on_the_page()
    {
        var dir = TestEnvironment.NewTempDirectory("slack-page");
        // The export links avatars on Slack's servers (here a stand-in): Person 3's link is broken.
        await using var avatars = await SlackAvatarServer.StartAsync("U001PERSON", "U002PERSON", "U004PERSON", "U005PERSON", "U006PERSON");
        var written = SlackExportGenerator.Write(Path.Combine(dir, "Small Team Slack export.zip"), SlackExportGenerator.Shape.Small with { AvatarBase = avatars.BaseUrl });
        // Person 1 of the export is a member here, with the same e-mail address.
        var adminToken = await SharedSecretAdmin.RegisterAsync(new HttpClient { BaseAddress = new Uri(await hs.ClientUrlAsync()) },
            await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer), "history-page-admin");
        using var synapse = new MatrixClient(await hs.ClientUrlAsync());
        synapse.Http.DefaultRequestHeaders.Authorization = new("Bearer", adminToken);
        var member = $"@person1:{hs.ServerName}";
        await synapse.PutAsync($"/_synapse/admin/v2/users/{Uri.EscapeDataString(member)}",
            new { displayname = "Person One", threepids = new[] { new { medium = "email", address = "person1@example.test" } } });

        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var history = new HistoryPage(page);
        await BrowserFixture.RunAsync(page, "history", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await history.OpenAsync();
            await history.UploadAsync(BadZips.NotAnExport(dir));
            await Assertions.Expect(history.UploadError).ToContainTextAsync("not a Slack export");

            // The upload shows how far it is (held back a moment here, as a large file on a slow line would be).
            var release = new TaskCompletionSource();
            await page.RouteAsync("**/history/upload", async route =>
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await route.ContinueAsync();
            });
            await history.UploadAsync(written.Path, async () =>
            {
                await Assertions.Expect(history.UploadProgress).ToBeVisibleAsync();
                await Assertions.Expect(history.UploadProgress).ToContainTextAsync("Upload");
                await Assertions.Expect(page.GetByTestId("upload")).ToBeDisabledAsync();
                release.SetResult();
            });
            await page.UnrouteAsync("**/history/upload");
            await Assertions.Expect(history.Summary).ToContainTextAsync($"{written.Messages:N0} messages in 5 channels");
            await Assertions.Expect(history.NotComingAcross).ToContainTextAsync("only links to Slack");
            await history.LeaveOutAsync("random");
            await history.MakeInviteOnlyAsync("dev");
            await BrowserFixture.ScreenshotAsync(page, "history-preview");
            await history.ImportAsync();
            await Assertions.Expect(history.Status).ToHaveTextAsync("done", new() { Timeout = 240_000 });
            await BrowserFixture.ScreenshotAsync(page, "history-imported");

            // The member whose e-mail matches claims Person 1's ghost.
            await history.Person("U001PERSON").GetByTestId("claim-match").ClickAsync();
            await Assertions.Expect(history.Person("U001PERSON").GetByTestId("claimed-by")).ToHaveTextAsync(member);

            await page.SetViewportSizeAsync(390, 844);
            await history.ReloadAsync();
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await BrowserFixture.ScreenshotAsync(page, "history-phone");
        }, hs.Process);

        // random stayed out; dev is invite-only; the others are in the directory.
        var imports = await hs.Api.GetAsync<List<SlackImportView>>("/api/v1/history/slack");
        imports.ShouldContain(i => i.Workspace == "Small Team" && i.Status == "done");
        using var admin = new SynapseAdminReader(await hs.ClientUrlAsync(), adminToken);
        var rooms = await admin.RoomsAsync("Small Team");
        rooms.ShouldNotContain(r => r.Name == "random");
        rooms.Single(r => r.Name == "dev").JoinRule.ShouldBe("invite");
        rooms.Single(r => r.Name == "general").JoinRule.ShouldBe("public");

        // The claim: the ghost says who it is now, and the member is invited to the private room the person was in.
        var ghost = await synapse.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString($"@slack_u001person:{hs.ServerName}")}");
        ghost.GetProperty("displayname").GetString()!.ShouldContain($"(now {member})");
        var core = await admin.RoomEventsAsync(rooms.Single(r => r.Name == "core-team").RoomId);
        core.ShouldContain(e => e.GetProperty("type").GetString() == "m.room.member" && e.GetProperty("state_key").GetString() == member
            && e.GetProperty("content").GetProperty("membership").GetString() == "invite");
        var claimed = await hs.Api.GetAsync<List<SlackPersonView>>($"/api/v1/history/slack/{imports.Single(i => i.Workspace == "Small Team").Id}/people");
        claimed.Single(p => p.SlackId == "U001PERSON").How.ShouldBe("email");

        // Avatars came across where their link worked; a broken one left the ghost without, and the import done.
        var withAvatar = await synapse.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString($"@slack_u002person:{hs.ServerName}")}");
        var mxc = withAvatar.GetProperty("avatar_url").GetString()!;
        mxc.ShouldStartWith("mxc://");
        (await synapse.Http.GetByteArrayAsync($"/_matrix/client/v1/media/download/{mxc["mxc://".Length..]}", TestContext.Current.CancellationToken)).ShouldBe(SlackExportGenerator.Png);
        (await synapse.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString($"@slack_u003person:{hs.ServerName}")}")).TryGetProperty("avatar_url", out _).ShouldBeFalse();

        // The owner keeps #general in every backup from the page; on a phone the list fits too.
        var page2 = await browser.NewPageAsync(hs.Process.BaseUrl);
        var history2 = new HistoryPage(page2);
        await BrowserFixture.RunAsync(page2, "history-scheduled", async () =>
        {
            await page2.SetViewportSizeAsync(390, 844);
            await LoginPage.SignInAsOwnerAsync(page2);
            await history2.OpenAsync();
            await history2.ArchiveWithEveryBackupAsync("!nowhere:" + hs.ServerName);
            await Assertions.Expect(page2.GetByText("holds no room")).ToBeVisibleAsync();
            await history2.ArchiveWithEveryBackupAsync(rooms.Single(r => r.Name == "general").RoomId);
            await Assertions.Expect(history2.ScheduledArchives).ToHaveTextAsync("general");
            (await page2.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await BrowserFixture.ScreenshotAsync(page2, "history-scheduled-phone");
        }, hs.Process);
        (await hs.Api.GetAsync<List<ScheduledArchiveView>>("/api/v1/history/archives/scheduled")).ShouldContain(r => r.Name == "general");

        // Importing #general again (it sends nothing new) leaves the claimed ghost saying who it is now.
        var small = imports.Single(i => i.Workspace == "Small Team").Id;
        await hs.Api.PostAsync($"/api/v1/history/slack/{small}/import", new SlackImportRequest(null, [new SlackChannelChoice("C001GENERAL")]), HttpStatusCode.Accepted);
        (await Eventually.UntilAsync(() => hs.Api.GetAsync<SlackImportView>($"/api/v1/history/slack/{small}"), v => v.Status is not ("importing" or "uploaded"),
            TimeSpan.FromMinutes(4), "the second import", TimeSpan.FromSeconds(1))).Status.ShouldBe("done");
        (await synapse.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString($"@slack_u001person:{hs.ServerName}")}"))
            .GetProperty("displayname").GetString()!.ShouldContain($"(now {member})");
    }
}
