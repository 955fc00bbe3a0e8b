using System.Net;
using System.Net.Http.Json;
using Panel.Testing;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class UserActionTests(InstalledHomeserverFixture hs) : IClassFixture<InstalledHomeserverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> CreateUserAsync(string name, string? password = null, bool admin = false)
    {
        var created = await hs.Api.PostAsync<CreatedUser>("/api/v1/users", new CreateUserRequest(name, name.ToUpperInvariant(), password, admin), HttpStatusCode.Created);
        return password ?? created.GeneratedPassword!;
    }

    [Fact]
    public async Task Create_user_with_a_generated_password_logs_in()
    {
        var password = await CreateUserAsync("gen");

        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("gen", password);
        var details = await hs.Api.GetAsync<UserDetails>($"/api/v1/users/{Uri.EscapeDataString($"@gen:{hs.ServerName}")}");
        details.User.DisplayName.ShouldBe("GEN");
        details.Devices.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Reset_password_the_old_one_fails_the_new_one_works()
    {
        await CreateUserAsync("resetme", "the first long password");

        var reset = await hs.Api.Http.PostAsJsonAsync("/api/v1/users/resetme/password", new { password = "the second long password", logoutDevices = true }, Ct);

        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        (await client.TryLoginAsync("resetme", "the first long password")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await client.LoginAsync("resetme", "the second long password");
    }

    [Fact]
    public async Task Deactivate_means_the_login_fails()
    {
        await CreateUserAsync("leaving", "a long enough password");
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("leaving", "a long enough password");

        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/users/{Uri.EscapeDataString($"@leaving:{hs.ServerName}")}/deactivate", new { erase = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.TryLoginAsync("leaving", "a long enough password")).IsSuccessStatusCode.ShouldBeFalse();
        (await hs.Api.AuditAsync("action=user.deactivated")).ShouldContain(e => e.Target == $"@leaving:{hs.ServerName}");
    }

    [Fact]
    public async Task Admin_can_be_granted_and_revoked()
    {
        await CreateUserAsync("promoted", "a long enough password");

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/users/promoted/admin", new { admin = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hs.Api.GetAsync<UserList>("/api/v1/users?admins=true&search=promoted")).Users.Single().Admin.ShouldBeTrue();

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/users/promoted/admin", new { admin = false }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hs.Api.GetAsync<UserList>("/api/v1/users?admins=true&search=promoted")).Total.ShouldBe(0);
    }

    [Fact]
    public async Task The_panels_own_admin_account_is_protected_and_reserved_names_are_refused()
    {
        var panelAdmin = Uri.EscapeDataString($"@panel-admin:{hs.ServerName}");

        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/users/{panelAdmin}/deactivate", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = "echobot" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = "UPPER" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.GetAsync<UserList>("/api/v1/users?search=panel-admin")).Users.Single().Protected.ShouldBeTrue();
    }

    [Fact]
    public async Task List_is_paged_on_the_server()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateUserAsync($"pageduser{i}", "a long enough password");
        }

        var first = await hs.Api.GetAsync<UserList>("/api/v1/users?search=pageduser&limit=2");
        first.Total.ShouldBe(5);
        first.Users.Count.ShouldBe(2);
        var next = first.NextFrom.ShouldNotBeNull();
        var second = await hs.Api.GetAsync<UserList>($"/api/v1/users?search=pageduser&limit=2&from={next}");
        second.Users[0].UserId.ShouldNotBe(first.Users[0].UserId);
        (await hs.Api.Http.GetAsync("/api/v1/users?limit=0", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

public sealed class InviteRateLimitTests
{
    [Fact]
    public async Task Guessing_codes_is_rate_limited_per_address()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-rl"));
        await panel.CreateOwnerAndTokenAsync();
        await panel.StartAsync();
        var client = panel.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 35; i++)
        {
            var response = await client.PostAsJsonAsync($"/api/v1/invites/guess{i:D40}/redeem", new { username = "x", password = "y" }, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
        statuses.Take(20).ShouldAllBe(s => s != HttpStatusCode.TooManyRequests);
    }
}
