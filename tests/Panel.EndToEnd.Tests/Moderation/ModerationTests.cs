using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Moderation;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Moderation;

/// <summary>One homeserver for the moderation tests: an owner with a Matrix account, and friends who misbehave.</summary>
public sealed class ModerationFixture() : InstalledHomeserverFixture(null, "moderation.example.test")
{
    public const string Password = "a long enough password";

    public async Task<MatrixClient> NewUserAsync(string name)
    {
        await Api.CreateUserAsync(new CreateUserRequest(name, null, Password, false));
        var client = new MatrixClient(await ClientUrlAsync());
        await client.LoginAsync(name, Password);
        return client;
    }

    public string UserId(string name) => $"@{name}:{ServerName}";

    /// <summary>A room where <paramref name="sender"/> says something and <paramref name="reporter"/> is present.</summary>
    public static async Task<(string Room, string Event)> SayAsync(MatrixClient sender, MatrixClient reporter, string text)
    {
        var room = await sender.CreateRoomAsync("Moderated " + Guid.NewGuid().ToString("N")[..6], [reporter.UserId!]);
        await reporter.JoinAsync(room);
        return (room, await sender.SendTextAsync(room, text));
    }

    public async Task<ReportList> ReportsAsync() => await Api.GetAsync<ReportList>("/api/v1/moderation/reports");

    public Task<ReportList> WaitForReportAsync(string eventId) =>
        Eventually.UntilAsync(ReportsAsync, l => l.Reports.Any(r => r.Report.EventId == eventId), TimeSpan.FromSeconds(30), "The report in the panel's queue", TimeSpan.FromSeconds(1));
}

public sealed partial class ModerationTests(ModerationFixture hs, BrowserFixture browser) : IClassFixture<ModerationFixture>, IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reported_message_reaches_the_queue_the_owner_is_told_and_dismissing_removes_it_from_synapse()
    {
        using var boss = await hs.NewUserAsync("boss");
        using var alice = await hs.NewUserAsync("alice");
        using var mallory = await hs.NewUserAsync("mallory");
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 95, memoryMinutes = 5, unhealthyMinutes = 2, notifyMatrixUserId = boss.UserId }, Ct)).EnsureSuccessStatusCode();
        // The watcher has looked once before the report: what it finds next is new.
        await Task.Delay(TimeSpan.FromSeconds(12), Ct);

        var (room, message) = await ModerationFixture.SayAsync(mallory, alice, "cheap pills, click here");
        await alice.ReportAsync(room, message, "spam", -100);

        var report = (await hs.WaitForReportAsync(message)).Reports.Single(r => r.Report.EventId == message);
        report.Report.Reporter.ShouldBe(alice.UserId);
        report.Report.Sender.ShouldBe(mallory.UserId);
        report.Report.Reason.ShouldBe("spam");
        report.Report.Score.ShouldBe(-100);
        report.Details.Body.ShouldBe("cheap pills, click here");
        report.SenderIsLocal.ShouldBeTrue();

        // The owner hears of it: a panel alert, and a server notice in their own Matrix client.
        await Eventually.UntilAsync(hs.Api.AlertsAsync, a => a.Any(x => x.Key == $"report:{report.Report.Id}"), TimeSpan.FromSeconds(30), "The report's alert", TimeSpan.FromSeconds(1));
        (await boss.WaitForNoticeAsync("reported a message", TimeSpan.FromSeconds(60))).ShouldContain("spam");

        (await hs.Api.Http.DeleteAsync($"/api/v1/moderation/reports/{report.Report.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hs.ReportsAsync()).Reports.ShouldNotContain(r => r.Report.Id == report.Report.Id);
        (await hs.Api.AlertsAsync()).ShouldNotContain(a => a.Key == $"report:{report.Report.Id}");
        (await hs.Api.AuditAsync("action=report.dismissed")).ShouldContain(e => e.Target == $"report:{report.Report.Id}");
        (await hs.Api.Http.DeleteAsync($"/api/v1/moderation/reports/{report.Report.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Redacting_a_reported_message_and_then_all_of_a_users_messages_hides_them_from_another_client()
    {
        using var bob = await hs.NewUserAsync("bob");
        using var eve = await hs.NewUserAsync("eve");
        var (room, first) = await ModerationFixture.SayAsync(eve, bob, "first nasty message");
        var more = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            more.Add(await eve.SendTextAsync(room, $"more nasty {i}"));
        }

        await bob.ReportAsync(room, first, "abuse");
        var report = (await hs.WaitForReportAsync(first)).Reports.Single(r => r.Report.EventId == first);
        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/moderation/reports/{report.Report.Id}/redact", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await bob.EventContentAsync(room, first)).EnumerateObject().ShouldBeEmpty();
        (await eve.JoinedRoomsAsync()).ShouldContain(room, "redacting as the sender left no session behind it");
        (await hs.Api.GetAsync<UserDetails>($"/api/v1/users/{Uri.EscapeDataString(eve.UserId!)}")).Devices.Count.ShouldBe(1);

        // The rest of eve's messages, in every room, through Synapse's own background task.
        var started = await hs.Api.Http.PostAsJsonAsync($"/api/v1/moderation/users/{Uri.EscapeDataString(eve.UserId!)}/redact", new { reason = "compromised", limit = 100 }, Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await started.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("redactionId").GetString();
        await Eventually.UntilAsync(() => hs.Api.GetAsync<Panel.Domain.Moderation.RedactionStatus>($"/api/v1/moderation/redactions/{id}"),
            s => s.Status is "complete" or "failed", TimeSpan.FromSeconds(60), "The user redaction", TimeSpan.FromSeconds(1));
        foreach (var e in more)
        {
            (await bob.EventContentAsync(room, e)).EnumerateObject().ShouldBeEmpty();
        }

        (await hs.Api.AuditAsync("action=user.events-redacted")).ShouldContain(a => a.Target == eve.UserId);
    }

    [Fact]
    public async Task Quarantined_media_is_listed_cannot_be_downloaded_and_a_mistake_is_released_from_the_page()
    {
        using var uploader = await hs.NewUserAsync("uploader");
        using var olive = await hs.NewUserAsync("olive");
        var byId = await uploader.UploadAsync("spam.txt", "spam one"u8.ToArray(), "text/plain");
        var fromPage = await uploader.UploadAsync("spam2.txt", "spam two"u8.ToArray(), "text/plain");
        (await olive.DownloadStatusAsync(byId)).ShouldBe(HttpStatusCode.OK);

        (await hs.Api.Http.PostAsJsonAsync("/api/v1/moderation/quarantine", new { mxc = byId }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await olive.DownloadStatusAsync(byId)).ShouldBe(HttpStatusCode.NotFound);
        (await hs.Api.GetAsync<string[]>("/api/v1/moderation/quarantine")).ShouldContain(byId);

        var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
        await BrowserFixture.RunAsync(page, "quarantine", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await page.GotoAsync("/moderation");
            await AdminPage.WaitForInteractiveAsync(page);
            var list = page.GetByTestId("quarantine");
            await Assertions.Expect(list.Locator($"[data-mxc='{byId}']")).ToBeVisibleAsync();

            // Quarantine another by its address; it joins the list.
            await list.GetByTestId("quarantine-target").FillAsync(fromPage);
            await list.GetByTestId("quarantine-target-button").ClickAsync();
            await page.GetByTestId("confirm-button").ClickAsync();
            await Assertions.Expect(list.Locator($"[data-mxc='{fromPage}']")).ToBeVisibleAsync(new() { Timeout = 15_000 });

            // The first was a mistake: released, after asking.
            await list.Locator($"[data-mxc='{byId}']").GetByTestId("release").ClickAsync();
            await page.GetByTestId("confirm-button").ClickAsync();
            await Assertions.Expect(list.Locator($"[data-mxc='{byId}']")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
            await BrowserFixture.ScreenshotAsync(page, "quarantine-390");
            await BrowserFixture.ShouldFitTheWidthAsync(page, 390);
        }, hs.Process);
        await page.Context.CloseAsync();

        (await olive.DownloadStatusAsync(byId)).ShouldBe(HttpStatusCode.OK);
        (await olive.DownloadStatusAsync(fromPage)).ShouldBe(HttpStatusCode.NotFound);
        var quarantined = await hs.Api.GetAsync<string[]>("/api/v1/moderation/quarantine");
        quarantined.ShouldContain(fromPage);
        quarantined.ShouldNotContain(byId);
        (await hs.Api.AuditAsync("action=media.released")).ShouldContain(e => e.Target == byId);
    }

    [Fact]
    public async Task Bad_moderation_input_gets_a_clear_refusal()
    {
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/moderation/quarantine/release", new { mxc = "mxc://only-a-server" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/moderation/quarantine", new { mxc = "not-a-media-address" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/moderation/quarantine", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/moderation/users/{Uri.EscapeDataString($"@panel-admin:{hs.ServerName}")}/redact", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/moderation/users/nobody-here/rate-limit", new { messagesPerSecond = -1, burstCount = 1 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.GetAsync("/api/v1/moderation/reports/987654", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_moderator_lands_on_moderation_acts_on_a_report_and_cannot_open_the_servers_pages()
    {
        using var carol = await hs.NewUserAsync("carol");
        using var troll = await hs.NewUserAsync("troll");
        var (room, message) = await ModerationFixture.SayAsync(troll, carol, "you are all idiots");
        await carol.ReportAsync(room, message, "insults");
        await hs.WaitForReportAsync(message);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/accounts", new { userName = "mod", password = LoginPage.OwnerPassword, role = "Moderator" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);

        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, width, height);
            await BrowserFixture.RunAsync(page, $"moderator-{width}", async () =>
            {
                await new LoginPage(page).SignInAsync("mod", LoginPage.OwnerPassword);
                await page.WaitForURLAsync(url => url.EndsWith("/moderation", StringComparison.Ordinal));
                await AdminPage.WaitForInteractiveAsync(page);
                var card = page.GetByTestId("report").Filter(new() { HasText = "you are all idiots" });
                await Assertions.Expect(card).ToBeVisibleAsync();
                await Assertions.Expect(card.GetByTestId("report-reason")).ToContainTextAsync("insults");
                await BrowserFixture.ScreenshotAsync(page, $"moderation-{width}");
                await BrowserFixture.ShouldFitTheWidthAsync(page, width);

                // The server's pages are not theirs.
                await page.GotoAsync("/homeserver");
                await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
                await page.GotoAsync("/moderation");
                await AdminPage.WaitForInteractiveAsync(page);
                if (width == 390)
                {
                    // Acting on it: redact the message, confirmed.
                    await card.GetByTestId("redact").ClickAsync();
                    await page.GetByTestId("confirm-button").ClickAsync();
                    await Assertions.Expect(card).ToHaveCountAsync(0, new() { Timeout = 15_000 });
                }
            }, hs.Process);
            await page.Context.CloseAsync();
        }

        (await carol.EventContentAsync(room, message)).EnumerateObject().ShouldBeEmpty();
        (await hs.Api.AuditAsync("action=report.redacted")).ShouldContain(e => e.Actor.Contains("mod", StringComparison.Ordinal));
    }
}
