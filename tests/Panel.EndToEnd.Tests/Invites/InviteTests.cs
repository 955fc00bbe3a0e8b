using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Panel.Testing;
using Panel.Web.Features.Invites;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class InviteTests(InstalledHomeserverFixture hs) : IClassFixture<InstalledHomeserverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Invite_redeemed_over_HTTP_gives_an_account_that_logs_in_and_chats()
    {
        var invite = await hs.CreateInviteAsync(new() { Note = "for Alice", MaxUses = 1 });
        var code = invite.Code;
        invite.Url.ShouldEndWith("/invite/" + code);

        var response = await hs.RedeemAsync(code, "alice", "alice's long password");

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var body = (await response.Content.ReadFromJsonAsync<Redemption>(Ct))!;
        body.UserId.ShouldBe($"@alice:{hs.ServerName}");
        body.HomeserverUrl.ShouldBe($"https://{hs.ServerName}/");

        using var alice = new MatrixClient(await hs.ClientUrlAsync());
        await alice.LoginAsync("alice", "alice's long password");
        var room = await alice.CreateRoomAsync("Alice's room");
        await alice.SendTextAsync(room, "hello from a panel invite");
        (await alice.RecentTextsAsync(room)).ShouldContain("hello from a panel invite");

        var listed = await hs.InviteAsync(invite.Id);
        listed.Status.ShouldBe("used up");
        listed.UsedBy.ShouldBe([$"@alice:{hs.ServerName}"]);
        (await hs.Api.AuditAsync("action=invite.redeemed")).ShouldContain(e => e.Target == $"@alice:{hs.ServerName}" && e.SourceAddress == "127.0.0.1");
    }

    [Fact]
    public async Task Redeem_answers_with_the_right_status_for_each_fault()
    {
        var invite = await hs.CreateInviteAsync(new() { MaxUses = 3 });
        var code = invite.Code;
        (await hs.RedeemAsync(code, "taken-name", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await hs.RedeemAsync(code, "taken-name", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await hs.RedeemAsync(code, "Bad Name!", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.RedeemAsync(code, "panel-admin", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.RedeemAsync(code, "signalbot", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.RedeemAsync(code, "shortpass", "short")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.RedeemAsync(Guid.NewGuid().ToString("N") + "xyz", "nobody", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var broken = await hs.Process.CreateClient().PostAsync($"/api/v1/invites/{code}/redeem", new StringContent("{\"username\":", System.Text.Encoding.UTF8, "application/json"), Ct);
        broken.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        // The failed tries handed their reservations back: two more people still fit.
        (await hs.InviteAsync(invite.Id)).Uses.ShouldBe(1);
        (await hs.RedeemAsync(code, "second-person", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Invite_page_refusing_a_post_answers_without_the_typed_passwords()
    {
        var invite = await hs.CreateInviteAsync(new() { MaxUses = 3 });
        var code = invite.Code;
        (await hs.RedeemAsync(code, "echo-taken", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri(hs.Process.BaseUrl) };

        // Refused by the page (the two differ), and refused by Synapse (the name is taken).
        foreach (var (username, password, confirm, refusal) in new[]
        {
            ("echo-new", "do-not-echo-first-9c1e", "do-not-echo-second-9c1e", "not the same"),
            ("echo-taken", "do-not-echo-third-9c1e", "do-not-echo-third-9c1e", "taken"),
        })
        {
            var response = await Forms.SubmitAsync(browser, $"/invite/{code}", "redeem", new Dictionary<string, string>
            {
                ["Input.Username"] = username,
                ["Input.Password"] = password,
                ["Input.ConfirmPassword"] = confirm,
                ["Input.Action"] = "create",
            });

            var body = await response.BodyAsync();
            body.ShouldContain(refusal);
            body.ShouldContain($"value=\"{username}\"");
            body.ShouldNotContain(password);
            body.ShouldNotContain(confirm);
        }
    }

    [Fact]
    public async Task Expired_and_revoked_invites_are_refused_with_410()
    {
        var expiring = await hs.CreateInviteAsync(new() { MaxUses = 1, ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(2) });
        var revoked = await hs.CreateInviteAsync(new() { MaxUses = 1 });
        (await hs.Api.Http.DeleteAsync($"/api/v1/invites/{revoked.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // The expiry itself is tested on a moved clock (InviteExpiryTests); here the real one passes it.
        await Eventually.UntilAsync(() => hs.InviteAsync(expiring.Id), i => i.Status == "expired",
            TimeSpan.FromSeconds(10), "The invite's expiry", TimeSpan.FromMilliseconds(250));

        var late = await hs.RedeemAsync(expiring.Code, "too-late", "a long enough password");
        var withdrawn = await hs.RedeemAsync(revoked.Code, "withdrawn", "a long enough password");

        late.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await late.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Detail!.ShouldContain("expired");
        withdrawn.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await hs.InviteAsync(revoked.Id)).Status.ShouldBe("revoked");
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        (await client.TryLoginAsync("too-late", "a long enough password")).IsSuccessStatusCode.ShouldBeFalse();
    }

    [Fact]
    public async Task Invite_with_an_invalid_request_is_refused_clearly()
    {
        foreach (var bad in new object[] { new { maxUses = 0 }, new { maxUses = 101 }, new { maxUses = 1, expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, new { maxUses = 1, mode = "carrier-pigeon" }, new { maxUses = 1, autoJoinRooms = new[] { "general" } } })
        {
            var response = await hs.Api.Http.PostAsJsonAsync("/api/v1/invites", bad, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, JsonSerializer.Serialize(bad));
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
    }

    [Fact]
    public async Task Invite_joins_new_accounts_to_the_configured_public_room()
    {
        var owner = await hs.CreateInviteAsync(new() { MaxUses = 1 });
        (await hs.RedeemAsync(owner.Code, "roomowner", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var host = new MatrixClient(await hs.ClientUrlAsync());
        await host.LoginAsync("roomowner", "a long enough password");
        var room = (await host.PostAsync("/_matrix/client/v3/createRoom", new { name = "General", preset = "public_chat", room_alias_name = "general" })).GetProperty("room_id").GetString()!;

        var invite = await hs.CreateInviteAsync(new() { MaxUses = 1, AutoJoinRooms = new[] { $"#general:{hs.ServerName}" } });
        var response = await hs.RedeemAsync(invite.Code, "newcomer", "a long enough password");

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<Redemption>(Ct))!.Warnings.ShouldBeEmpty();
        using var newcomer = new MatrixClient(await hs.ClientUrlAsync());
        await newcomer.LoginAsync("newcomer", "a long enough password");
        (await newcomer.JoinedRoomsAsync()).ShouldContain(room);
    }

    [Fact]
    public async Task Registration_token_invite_lets_a_client_register_and_the_panel_counts_the_use()
    {
        var invite = await hs.CreateInviteAsync(new() { Note = "token for Carol", MaxUses = 2, Mode = "registrationToken" });
        var token = invite.Code;
        await hs.WaitUntilHealthyAsync();
        using var carol = new MatrixClient(await hs.ClientUrlAsync());

        var registered = await RegisterWithTokenAsync(carol, "carol", "carol's long password", token);

        registered.StatusCode.ShouldBe(HttpStatusCode.OK, await registered.Content.ReadAsStringAsync(Ct));
        await carol.LoginAsync("carol", "carol's long password");
        var listed = await hs.InviteAsync(invite.Id);
        listed.Uses.ShouldBe(1);
        listed.Mode.ShouldBe("registrationToken");

        // Revoking deletes the token in Synapse: it stops working at once.
        (await hs.Api.Http.DeleteAsync($"/api/v1/invites/{invite.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var dave = new MatrixClient(await hs.ClientUrlAsync());
        (await RegisterWithTokenAsync(dave, "dave", "dave's long password", token)).IsSuccessStatusCode.ShouldBeFalse();
        (await dave.TryLoginAsync("dave", "dave's long password")).IsSuccessStatusCode.ShouldBeFalse();
    }

    /// <summary>The client side of the m.login.registration_token flow, as a Matrix client does it.</summary>
    private static async Task<HttpResponseMessage> RegisterWithTokenAsync(MatrixClient client, string username, string password, string token)
    {
        var first = await client.Http.PostAsJsonAsync("/_matrix/client/v3/register", new { username, password });
        var challenge = await first.Content.ReadFromJsonAsync<JsonElement>();
        if (first.StatusCode != HttpStatusCode.Unauthorized || !challenge.TryGetProperty("session", out var session))
        {
            return first;
        }

        challenge.GetProperty("flows").EnumerateArray().ShouldContain(f => f.GetProperty("stages").EnumerateArray().Any(s => s.GetString() == "m.login.registration_token"));
        var second = await client.Http.PostAsJsonAsync("/_matrix/client/v3/register", new
        {
            username,
            password,
            auth = new { type = "m.login.registration_token", token, session = session.GetString() },
        });
        if (second.StatusCode == HttpStatusCode.Unauthorized)
        {
            // Some versions ask for the dummy stage after the token.
            return await client.Http.PostAsJsonAsync("/_matrix/client/v3/register", new { username, password, auth = new { type = "m.login.dummy", session = session.GetString() } });
        }

        return second;
    }
}

public sealed class ParallelRedemptionTests(InstalledHomeserverFixture hs) : IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public Task Fifty_parallel_redemptions_of_a_five_use_invite_make_exactly_five_accounts_on_SQLite() => ParallelRedemption.RunAsync(hs, "sq");
}

public sealed class PostgresParallelRedemptionTests(PostgresPanelHomeserverFixture hs) : IClassFixture<PostgresPanelHomeserverFixture>
{
    [Fact]
    public Task Fifty_parallel_redemptions_of_a_five_use_invite_make_exactly_five_accounts_on_PostgreSQL() => ParallelRedemption.RunAsync(hs, "pg");
}

internal static class ParallelRedemption
{
    public static async Task RunAsync(InstalledHomeserverFixture hs, string prefix)
    {
        var invite = await hs.CreateInviteAsync(new() { Note = "the party", MaxUses = 5 });
        var code = invite.Code;
        var start = new TaskCompletionSource();

        var attempts = Enumerable.Range(0, 50).Select(async i =>
        {
            await start.Task;
            return await hs.RedeemAsync(code, $"{prefix}guest{i}", "a long enough password");
        }).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        results.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(5);
        results.Where(r => r.StatusCode != HttpStatusCode.Created).ShouldAllBe(r => r.StatusCode == HttpStatusCode.Gone);
        (await hs.Api.GetAsync<UserList>($"/api/v1/users?search={prefix}guest&limit=100")).Total.ShouldBe(5);
        var listed = await hs.InviteAsync(invite.Id);
        listed.Uses.ShouldBe(5);
        listed.Pending.ShouldBe(0);
        listed.UsedBy.Count.ShouldBe(5);
    }
}
