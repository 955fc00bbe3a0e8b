using Panel.Testing;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using Panel.Domain.Audit;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Tests.Host;

public sealed class SignInTests(PanelWebFactory factory) : IClassFixture<PanelWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Credentials(string user, string password) => new()
    {
        ["Input.UserName"] = user,
        ["Input.Password"] = password,
    };

    [Fact]
    public async Task Pages_without_sign_in_redirect_to_the_login_page()
    {
        await factory.EnsureOwnerAsync();

        var response = await factory.CreateBrowserClient().GetAsync("/audit", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Location()!.ShouldContain("/account/login");
    }

    [Fact]
    public async Task Login_with_right_password_signs_in_and_is_audited()
    {
        var owner = await factory.EnsureOwnerAsync();
        var browser = factory.CreateBrowserClient();

        var response = await Forms.SubmitAsync(browser, "/account/login?returnUrl=%2Faudit", "login", Credentials(owner.UserName!, PanelWebFactory.OwnerPassword));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Location()!.ShouldBe("/audit");
        (await browser.GetAsync("/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.Login), Ct);
        // The in-memory test server has no client address; the end-to-end tests check that part.
        audit.Items.ShouldContain(e => e.Actor == owner.UserName && e.Outcome == AuditOutcome.Success);
    }

    [Fact]
    public async Task Login_to_another_site_is_not_followed()
    {
        var owner = await factory.EnsureOwnerAsync();

        var response = await Forms.SubmitAsync(factory.CreateBrowserClient(), "/account/login?returnUrl=%2F%2Fevil.example%2F", "login", Credentials(owner.UserName!, PanelWebFactory.OwnerPassword));

        response.Location()!.ShouldBe("/");
    }

    [Fact]
    public async Task Login_after_five_wrong_passwords_locks_the_account_even_for_the_right_password()
    {
        await factory.EnsureOwnerAsync();
        var accounts = factory.Services.GetRequiredService<PanelAccountService>();
        var victim = await accounts.CreateAdminAsync("victim", null, PanelWebFactory.OwnerPassword, AuditActor.Cli, Ct);
        var browser = factory.CreateBrowserClient();

        for (var i = 0; i < 5; i++)
        {
            var wrong = await Forms.SubmitAsync(browser, "/account/login", "login", Credentials("victim", "not the password " + i));
            wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var right = await Forms.SubmitAsync(browser, "/account/login", "login", Credentials("victim", PanelWebFactory.OwnerPassword));

        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await right.BodyAsync()).ShouldContain("locked");
        (await accounts.FindAsync(victim.Id, Ct))!.LockedOutUntil.ShouldNotBeNull();
        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "auth."), Ct);
        audit.Items.Count(e => e.Action == AuditActions.LoginFailed && e.Target == "panel-user:victim").ShouldBeGreaterThanOrEqualTo(4);
        audit.Items.ShouldContain(e => e.Action == AuditActions.LockedOut && e.Target == "panel-user:victim");
    }

    [Fact]
    public async Task Login_with_two_factor_asks_for_the_code_and_accepts_the_authenticator_code()
    {
        await factory.EnsureOwnerAsync();
        var accounts = factory.Services.GetRequiredService<PanelAccountService>();
        var user = await accounts.CreateAdminAsync("twofactor", null, PanelWebFactory.OwnerPassword, AuditActor.Cli, Ct);
        var setup = await accounts.GetAuthenticatorSetupAsync(user.Id, "test");
        var totp = new Totp(Base32Encoding.ToBytes(setup.SharedKey.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()));
        var recovery = await accounts.EnableTwoFactorAsync(user.Id, totp.ComputeTotp(), AuditActor.Cli, Ct);
        recovery.Count.ShouldBe(10);
        var browser = factory.CreateBrowserClient();

        var password = await Forms.SubmitAsync(browser, "/account/login", "login", Credentials("twofactor", PanelWebFactory.OwnerPassword));
        password.Location()!.ShouldStartWith("/account/login/2fa");
        (await browser.GetAsync("/", Ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var wrong = await Forms.SubmitAsync(browser, "/account/login/2fa", "login-2fa", new Dictionary<string, string> { ["Input.Code"] = "000000" });
        (await wrong.BodyAsync()).ShouldContain("not valid");

        var right = await Forms.SubmitAsync(browser, "/account/login/2fa", "login-2fa", new Dictionary<string, string> { ["Input.Code"] = totp.ComputeTotp() });
        right.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        right.Location()!.ShouldBe("/");
        (await browser.GetAsync("/", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Logout_needs_the_antiforgery_token()
    {
        var response = await factory.CreateBrowserClient().PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
