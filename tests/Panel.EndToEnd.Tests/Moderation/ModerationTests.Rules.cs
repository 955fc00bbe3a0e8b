using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Web.Features.Invites;
using Panel.Web.Features.Moderation;

namespace Panel.EndToEnd.Tests.Moderation;

/// <summary>House rules, on the moderation tests' homeserver: a friend accepts them before the account is made.</summary>
public sealed partial class ModerationTests
{
    [Fact]
    public async Task A_friend_must_accept_the_house_rules_to_sign_up_and_the_acceptance_is_audited()
    {
        var rules = await hs.Api.PutAsync<HouseRules>("/api/v1/rules", new { markdown = "1. **Be kind.**\n2. No spam.\n\n<script>alert(1)</script> [bad](javascript:alert(1))" });
        rules.Version.ShouldBeGreaterThan(0);
        rules.Html.ShouldNotBeNull().ShouldNotContain("<script>");
        rules.Html.ShouldNotContain("javascript:");
        try
        {
            // The API refuses a sign-up without the rules accepted, and one for an old version.
            var apiInvite = await hs.CreateInviteAsync(new CreateInviteRequest { MaxUses = 1 });
            var refused = await hs.Process.CreateClient().PostAsJsonAsync($"/api/v1/invites/{apiInvite.Code}/redeem", new { username = "norules", password = ModerationFixture.Password }, TestContext.Current.CancellationToken);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("accept");

            var invite = await hs.CreateInviteAsync(new CreateInviteRequest { MaxUses = 1, Note = "for Rita" });
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
            var friend = new InvitePage(page);
            await BrowserFixture.RunAsync(page, "invite-rules", async () =>
            {
                await page.GotoAsync(invite.Url);
                await Assertions.Expect(page.GetByTestId("house-rules")).ToContainTextAsync("Be kind.");
                await Assertions.Expect(page.GetByTestId("house-rules").Locator("strong")).ToHaveTextAsync("Be kind.");
                await page.GetByLabel("Username").FillAsync("rita");
                await friend.RegisterAsync(ModerationFixture.Password);
                await Assertions.Expect(page.GetByTestId("invite-error")).ToContainTextAsync("accept them");
                await BrowserFixture.ScreenshotAsync(page, "invite-rules-refused");
                await BrowserFixture.ShouldFitTheWidthAsync(page, 390);

                await page.GetByTestId("accept-rules").CheckAsync();
                await friend.RegisterAsync(ModerationFixture.Password);
                await Assertions.Expect(friend.UserId).ToHaveTextAsync(hs.UserId("rita"));
            }, hs.Process);

            var accepted = await hs.Api.AuditAsync("action=rules.accepted");
            accepted.ShouldContain(e => e.Actor == hs.UserId("rita") && e.Details!.Contains($"version {rules.Version}", StringComparison.Ordinal));

            // The rules change, and everyone is asked again: Rita gets a notice with the link, and
            // accepts on the rules page with her own password.
            using var rita = new Panel.Testing.MatrixClient(await hs.ClientUrlAsync());
            await rita.LoginAsync("rita", ModerationFixture.Password);
            var changed = await hs.Api.PutAsync<HouseRules>("/api/v1/rules", new { markdown = "1. Be kind.\n2. No spam.\n3. No bots.", askAgain = true });
            changed.Version.ShouldBe(rules.Version + 1);
            var notice = await rita.WaitForNoticeAsync($"(version {changed.Version})", TimeSpan.FromSeconds(60));
            var link = notice.Split(' ').Last(w => w.Contains("/rules", StringComparison.Ordinal));
            async Task<int> DevicesAsync() => (await hs.Api.GetAsync<Panel.Web.Features.Users.UserDetails>($"/api/v1/users/{Uri.EscapeDataString(hs.UserId("rita"))}")).Devices.Count;
            var devices = await DevicesAsync();
            var again = await browser.NewPageAsync(hs.Process.BaseUrl, 390, 844);
            await BrowserFixture.RunAsync(again, "rules-again", async () =>
            {
                await again.GotoAsync(new Uri(link).PathAndQuery);
                await Assertions.Expect(again.GetByTestId("house-rules")).ToContainTextAsync("No bots.");
                await again.GetByLabel("Username").FillAsync("rita");
                await again.GetByLabel("Password").FillAsync("not her password");
                await again.GetByTestId("accept-rules").CheckAsync();
                await again.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
                await Assertions.Expect(again.GetByTestId("rules-error")).ToContainTextAsync("do not match");
                await again.GetByLabel("Password").FillAsync(ModerationFixture.Password);
                await again.GetByTestId("accept-rules").CheckAsync();
                await again.GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
                await Assertions.Expect(again.GetByTestId("rules-thanks")).ToContainTextAsync($"version {changed.Version}");
                await BrowserFixture.ScreenshotAsync(again, "rules-accepted-again");
            }, hs.Process);
            (await hs.Api.AuditAsync("action=rules.accepted")).ShouldContain(e => e.Actor == hs.UserId("rita") && e.Details!.Contains($"version {changed.Version}", StringComparison.Ordinal));
            (await DevicesAsync()).ShouldBe(devices, "the password check left no session behind");
        }
        finally
        {
            // The other tests here redeem invites without rules.
            await hs.Api.PutAsync<HouseRules>("/api/v1/rules", new { markdown = "" });
        }
    }
}
