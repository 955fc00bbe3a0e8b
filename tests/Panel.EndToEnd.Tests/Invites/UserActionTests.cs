using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class UserActionTests(InstalledHomeserverFixture hs) : IClassFixture<InstalledHomeserverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> CreateUserAsync(string name, string? password = null, bool admin = false)
    {
        var response = await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = name, displayName = name.ToUpperInvariant(), password, admin }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return password ?? body.GetProperty("generatedPassword").GetString()!;
    }

    [Fact]
    public async Task CreateUser_WithAGeneratedPassword_LogsIn()
    {
        var password = await CreateUserAsync("gen");

        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("gen", password);
        var details = await hs.Api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/{Uri.EscapeDataString($"@gen:{hs.ServerName}")}", Ct);
        details.GetProperty("user").GetProperty("displayName").GetString().ShouldBe("GEN");
        details.GetProperty("devices").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task ResetPassword_TheOldOneFails_TheNewOneWorks()
    {
        await CreateUserAsync("resetme", "the first long password");

        var reset = await hs.Api.Http.PostAsJsonAsync("/api/v1/users/resetme/password", new { password = "the second long password", logoutDevices = true }, Ct);

        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        (await client.TryLoginAsync("resetme", "the first long password")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await client.LoginAsync("resetme", "the second long password");
    }

    [Fact]
    public async Task Deactivate_MeansTheLoginFails()
    {
        await CreateUserAsync("leaving", "a long enough password");
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("leaving", "a long enough password");

        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/users/{Uri.EscapeDataString($"@leaving:{hs.ServerName}")}/deactivate", new { erase = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.TryLoginAsync("leaving", "a long enough password")).IsSuccessStatusCode.ShouldBeFalse();
        (await hs.Api.AuditAsync("action=user.deactivated")).ShouldContain(e => e.Target == $"@leaving:{hs.ServerName}");
    }

    [Fact]
    public async Task Admin_CanBeGrantedAndRevoked()
    {
        await CreateUserAsync("promoted", "a long enough password");

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/users/promoted/admin", new { admin = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var admins = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?admins=true&search=promoted", Ct);
        admins.GetProperty("users").EnumerateArray().Single().GetProperty("admin").GetBoolean().ShouldBeTrue();

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/users/promoted/admin", new { admin = false }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?admins=true&search=promoted", Ct)).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task ThePanelsOwnAdminAccount_IsProtected_AndReservedNamesAreRefused()
    {
        var panelAdmin = Uri.EscapeDataString($"@panel-admin:{hs.ServerName}");

        (await hs.Api.Http.PostAsJsonAsync($"/api/v1/users/{panelAdmin}/deactivate", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = "echobot" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/users", new { username = "UPPER" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var list = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=panel-admin", Ct);
        list.GetProperty("users").EnumerateArray().Single().GetProperty("protected").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task List_IsPagedOnTheServer()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateUserAsync($"pageduser{i}", "a long enough password");
        }

        var first = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=pageduser&limit=2", Ct);
        first.GetProperty("total").GetInt32().ShouldBe(5);
        first.GetProperty("users").GetArrayLength().ShouldBe(2);
        var next = first.GetProperty("nextFrom").GetInt32();
        var second = await hs.Api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users?search=pageduser&limit=2&from={next}", Ct);
        second.GetProperty("users")[0].GetProperty("userId").GetString().ShouldNotBe(first.GetProperty("users")[0].GetProperty("userId").GetString());
        (await hs.Api.Http.GetAsync("/api/v1/users?limit=0", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

public sealed class InviteRateLimitTests
{
    [Fact]
    public async Task GuessingCodes_IsRateLimitedPerAddress()
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
