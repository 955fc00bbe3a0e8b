using System.Net;
using System.Net.Http.Json;
using Panel.Testing;
using Panel.Web.Features.Moderation;

namespace Panel.EndToEnd.Tests.Moderation;

/// <summary>Announcements, on the moderation tests' homeserver.</summary>
public sealed partial class ModerationTests
{
    [Fact]
    public async Task An_announcement_reaches_every_local_user_exactly_once_when_paused_and_resumed()
    {
        var people = new List<MatrixClient>();
        for (var i = 0; i < 8; i++)
        {
            people.Add(await hs.NewUserAsync($"reader{i}"));
        }

        var text = $"Maintenance tonight at 22:00 ({Guid.NewGuid():N})";
        var preview = await hs.Api.PostAsync<AnnouncementPreview>("/api/v1/announcements/preview", new { text });
        var everyone = (await hs.Api.GetAsync<Panel.Web.Features.Users.UserList>("/api/v1/users?guests=false&limit=500")).Users.Count(u => !u.Protected);
        preview.Recipients.ShouldBe(everyone, "every person, and not the panel's own account");

        var started = await hs.Api.PostAsync<AnnouncementView>("/api/v1/announcements", new { text }, HttpStatusCode.Accepted);
        var paused = await hs.Api.PostAsync<AnnouncementView>($"/api/v1/announcements/{started.Id}/pause", null);
        paused.Status.ShouldBe("paused");
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        var stopped = await hs.Api.GetAsync<AnnouncementView>($"/api/v1/announcements/{started.Id}");
        stopped.Sent.ShouldBeLessThan(stopped.Total, "interrupted part-way (batches of five)");

        await hs.Api.PostAsync<AnnouncementView>($"/api/v1/announcements/{started.Id}/resume", null);
        var done = await Eventually.UntilAsync(() => hs.Api.GetAsync<AnnouncementView>($"/api/v1/announcements/{started.Id}"),
            a => a.Status is "done" or "failed", TimeSpan.FromSeconds(60), "The announcement's end", TimeSpan.FromSeconds(1));
        done.Status.ShouldBe("done", done.Error);
        done.Sent.ShouldBe(done.Total);

        foreach (var person in people)
        {
            await person.WaitForNoticeAsync(text, TimeSpan.FromSeconds(30));
            (await person.CountTextsAsync(text)).ShouldBe(1, $"{person.UserId} got it once");
        }

        (await hs.Api.AuditAsync("action=announcement.sent")).ShouldContain(e => e.Target == $"announcement:{started.Id}");
        people.ForEach(p => p.Dispose());
    }

    [Fact]
    public async Task An_empty_announcement_or_one_to_nobody_is_refused()
    {
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/announcements", new { text = "   " }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/announcements", new { text = "hello", audience = "not a room" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var lonely = await hs.NewUserAsync("lonely");
        var room = await lonely.CreateRoomAsync("Alone");
        await lonely.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/leave", new { });
        var nobody = await hs.Api.Http.PostAsJsonAsync("/api/v1/announcements", new { text = "hello", audience = room }, Ct);
        nobody.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await nobody.Content.ReadAsStringAsync(Ct));
        (await nobody.Content.ReadAsStringAsync(Ct)).ShouldContain("Nobody of this server is in");
    }
}
