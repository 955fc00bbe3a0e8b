using Panel.Testing;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Tests.Host;

/// <summary>Its own panel: the policy it turns on would change what the other host tests see.</summary>
public sealed class TwoFactorPolicyFactory : PanelWebFactory;

public sealed class OwnerTwoFactorPolicyTests(TwoFactorPolicyFactory factory) : IClassFixture<TwoFactorPolicyFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Once_required_an_owner_without_two_factor_is_sent_to_enrol_before_anything_else()
    {
        var owner = await factory.EnsureOwnerAsync();
        var token = await factory.CreateTokenAsync(owner.Id);
        var browser = factory.CreateBrowserClient();
        var login = await Forms.SubmitAsync(browser, "/account/login?returnUrl=%2Fbackups", "login", new Dictionary<string, string>
        {
            ["Input.UserName"] = owner.UserName!,
            ["Input.Password"] = PanelWebFactory.OwnerPassword,
        });
        login.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetAsync("/backups", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "optional by default");

        var set = await factory.CreateApiClient(token).PutAsJsonAsync("/api/v1/security/settings", new { requireOwnerTwoFactor = true }, Ct);
        set.StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var page in new[] { "/", "/backups", "/homeserver", "/bridges" })
        {
            var response = await browser.GetAsync(page, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, page);
            response.Location().ShouldBe("/account/security?enrol=1");
        }

        (await browser.GetAsync("/account/security?enrol=1", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // An API token is its own credential: the policy is about signing in to the pages.
        (await factory.CreateApiClient(token).GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Turning 2FA off is refused while the policy is on.
        var accounts = factory.Services.GetRequiredService<PanelAccountService>();
        await Should.ThrowAsync<Panel.Domain.Common.DomainException>(() => accounts.DisableTwoFactorAsync(owner.Id, AuditActor.Cli, Ct));

        var audit = await factory.CreateApiClient(token).GetStringAsync("/api/v1/audit?action=security.settings-changed", Ct);
        audit.ShouldContain("required for owners");

        await factory.CreateApiClient(token).PutAsJsonAsync("/api/v1/security/settings", new { requireOwnerTwoFactor = false }, Ct);
        (await browser.GetAsync("/backups", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
