using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Panel.Web.Features.Invites;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Invites;

/// <summary>An invite's expiry on the panel's clock, moved on by a FakeTimeProvider instead of waited for.</summary>
public sealed class InviteExpiryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_invite_is_refused_with_410_from_the_moment_it_expires_and_listed_as_expired()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new FakeEnginePanelFactory { Clock = clock };
        var api = await factory.InstallAsync("expiry.example.test", "sqlite");
        var invite = await api.PostAsync<InviteView>("/api/v1/invites", new CreateInviteRequest { MaxUses = 1, ExpiresAt = clock.GetUtcNow().AddHours(1) }, HttpStatusCode.Created);
        async Task<string> StatusAsync() => (await api.GetAsync<List<InviteView>>("/api/v1/invites")).Single(i => i.Id == invite.Id).Status;

        (await StatusAsync()).ShouldBe("active");
        clock.Advance(TimeSpan.FromMinutes(59));
        (await StatusAsync()).ShouldBe("active");
        clock.Advance(TimeSpan.FromMinutes(1));

        (await StatusAsync()).ShouldBe("expired");
        var late = await api.Http.PostAsJsonAsync($"/api/v1/invites/{invite.Code}/redeem", new { username = "too-late", password = "a long enough password" }, Ct);
        late.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await late.Content.ReadAsStringAsync(Ct)).ShouldContain("This invite has expired.");
    }
}
