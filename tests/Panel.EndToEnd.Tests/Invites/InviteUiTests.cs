using System.Diagnostics;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Site;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class InviteUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public async Task A_friend_goes_from_the_link_to_a_first_message_in_the_welcome_room_and_the_owner_sees_the_use_without_reloading()
    {
        // The owner's welcome room: a public room, as most owners make one for newcomers.
        await hs.Api.CreateUserAsync(new CreateUserRequest("welcomehost", null, "welcomehost's long password", false));
        using var host = new MatrixClient(await hs.ClientUrlAsync());
        await host.LoginAsync("welcomehost", "welcomehost's long password");
        var welcome = (await host.PostAsync("/_matrix/client/v3/createRoom", new { name = "Welcome", preset = "public_chat", room_alias_name = "welcome" })).GetProperty("room_id").GetString()!;

        var owner = await browser.NewPageAsync(hs.Process.BaseUrl);
        var invites = new InvitesPage(owner);
        string link = "";
        await BrowserFixture.RunAsync(owner, "invite-owner", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(owner);
            await invites.OpenAsync();
            link = await invites.CreateAsync("for Frieda", $"#welcome:{hs.ServerName}");
            await BrowserFixture.ScreenshotAsync(owner, "invite-created");
        }, hs.Process);

        // The friend: a fresh browser, no account, no cookies. The walk is timed from the link opening
        // to the first message in the welcome room.
        var friend = await browser.NewPageAsync(hs.Process.BaseUrl);
        var circuits = 0;
        var scripts = 0;
        friend.Request += (_, r) =>
        {
            if (r.Url.Contains("/_blazor", StringComparison.Ordinal)) { circuits++; }
            if (r.ResourceType == "script") { scripts++; }
        };
        var walk = Stopwatch.StartNew();
        var invite = new InvitePage(friend);
        await BrowserFixture.RunAsync(friend, "invite-friend", async () =>
        {
            await friend.GotoAsync(link);
            await Assertions.Expect(invite.Note).ToHaveTextAsync("for Frieda");
            await invite.CheckUsernameAsync("frieda");
            await Assertions.Expect(invite.Availability).ToContainTextAsync("is free");
            await invite.RegisterAsync("frieda's long password");

            await Assertions.Expect(invite.Success).ToBeVisibleAsync();
            await Assertions.Expect(invite.UserId).ToHaveTextAsync($"@frieda:{hs.ServerName}");
            await Assertions.Expect(invite.WelcomeRooms).ToContainTextAsync("Welcome");
            // Element opens at its sign-in page with the homeserver the page names already chosen.
            var clientUrl = (await invite.HomeserverUrl.TextContentAsync())!.Trim();
            clientUrl.ShouldBe($"https://{hs.ServerName}/", "the wizard's public base URL");
            await Assertions.Expect(invite.OpenElement).ToHaveAttributeAsync("href", "https://app.element.io/#/login?hs_url=" + Uri.EscapeDataString(clientUrl.TrimEnd('/')));
            await Assertions.Expect(friend.GetByRole(AriaRole.Img, new() { Name = "QR code: Element on your phone, with this server chosen" })).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(friend, "invite-success");

            // A reload shows the account again, not the form (the one-use invite is used up by now).
            await friend.ReloadAsync();
            await Assertions.Expect(invite.UserId).ToHaveTextAsync($"@frieda:{hs.ServerName}");
            await Assertions.Expect(friend.GetByLabel("Username")).ToHaveCountAsync(0);
        }, hs.Process);

        // Signed in, as Element would, the friend is already in the welcome room and says hello there.
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("frieda", "frieda's long password");
        (await client.JoinedRoomsAsync()).ShouldContain(welcome);
        await client.SendTextAsync(welcome, "Hello, everyone!");
        walk.Stop();
        (await host.RecentTextsAsync(welcome)).ShouldContain("Hello, everyone!");
        TestContext.Current.SendDiagnosticMessage($"[walk] invite link opened → account → signed in → first message in the welcome room: {walk.Elapsed.TotalSeconds:0.0} s");
        await File.AppendAllTextAsync(Path.Combine(TestEnvironment.ArtifactsDirectory, "walk-times.txt"),
            $"{DateTimeOffset.UtcNow:O} invite link → first message in the welcome room: {walk.Elapsed.TotalSeconds:0.0} s{Environment.NewLine}");

        circuits.ShouldBe(0, "the invite page must not open a SignalR circuit");
        scripts.ShouldBe(0, "the invite page works without JavaScript");
        // The owner's page, open all along, shows who used the invite without a reload.
        await Assertions.Expect(invites.Table).ToContainTextAsync($"@frieda:{hs.ServerName}");
        (await hs.Api.AuditAsync("action=invite.redeemed")).ShouldContain(e => e.Actor == $"@frieda:{hs.ServerName}" && e.Details == "with the invite 'for Frieda'");
    }

    [Fact]
    public async Task The_owner_is_told_when_invite_links_only_work_on_this_machine_and_sets_the_public_address_there()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var invites = new InvitesPage(page);
        try
        {
            await BrowserFixture.RunAsync(page, "invite-public-url", async () =>
            {
                await LoginPage.SignInAsOwnerAsync(page);
                await invites.OpenAsync();
                await Assertions.Expect(invites.PublicUrlWarning).ToContainTextAsync("only works on this machine");
                await BrowserFixture.ScreenshotAsync(page, "invite-public-url-warning");
                await page.GetByLabel("Public address of the panel").FillAsync("not a web address!");
                await page.GetByTestId("public-url-save").ClickAsync();
                await Assertions.Expect(page.GetByText("is not a web address")).ToBeVisibleAsync();

                await page.GetByLabel("Public address of the panel").FillAsync("https://panel.example.org/");
                await page.GetByTestId("public-url-save").ClickAsync();
                await Assertions.Expect(invites.PublicUrlWarning).ToHaveCountAsync(0);
                (await invites.CreateAsync("after the address")).ShouldStartWith("https://panel.example.org/invite/");

                // The homeserver page says the same thing, from the same place.
                await page.GotoAsync("/homeserver");
                await AdminPage.WaitForInteractiveAsync(page);
                await Assertions.Expect(page.GetByTestId("public-url-warning")).ToHaveCountAsync(0);
            }, hs.Process);
            (await hs.Api.GetAsync<PublicUrlView>("/api/v1/settings/public-url")).ShouldBe(new PublicUrlView("https://panel.example.org", "panel", false, null));
            (await hs.Api.AuditAsync("action=panel.public-url")).ShouldContain(e => e.Details == "https://panel.example.org");
        }
        finally
        {
            // Back to the request's address: the class's other tests open their links on this machine.
            await hs.Api.PutAsync<PublicUrlView>("/api/v1/settings/public-url", new PublicUrlRequest(null));
        }

        var cleared = await hs.Api.GetAsync<PublicUrlView>("/api/v1/settings/public-url");
        cleared.Source.ShouldBe("request");
        cleared.LocalOnly.ShouldBeTrue();
        await page.GotoAsync("/homeserver");
        await Assertions.Expect(page.GetByTestId("public-url-warning")).ToContainTextAsync("only works on this machine");
    }

    [Fact]
    public async Task Copy_link_copies_the_link_and_says_so_and_where_copying_is_not_allowed_selects_it()
    {
        // A browser that lets the page use the clipboard.
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await BrowserFixture.RunAsync(page, "invite-copy", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            var invites = new InvitesPage(page);
            await invites.OpenAsync();
            var link = await invites.CreateAsync();
            await invites.CopyCreatedAsync();
            await Assertions.Expect(page.GetByText("Link copied.")).ToBeVisibleAsync();
            (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(link);
        }, hs.Process);

        // A plain-HTTP address: no clipboard API, and no copying by the old way either.
        var plain = await browser.NewPageAsync(hs.Process.BaseUrl);
        await plain.Context.AddInitScriptAsync("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }); document.execCommand = () => false;");
        await BrowserFixture.RunAsync(plain, "invite-copy-plain-http", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(plain);
            var invites = new InvitesPage(plain);
            await invites.OpenAsync();
            var link = await invites.CreateAsync();
            await invites.CopyCreatedAsync();
            await Assertions.Expect(plain.GetByText("The link is selected")).ToBeVisibleAsync();
            (await invites.SelectionAsync()).ShouldBe(link);

            // A row of the table has no link on screen: it is shown, selected.
            await invites.CopyFirstRowAsync();
            await Assertions.Expect(invites.CopyFallback).ToContainTextAsync("/invite/");
            await Assertions.Expect(plain.GetByText("shown and selected above the table")).ToBeVisibleAsync();
            (await invites.SelectionAsync()).ShouldContain("/invite/");
        }, hs.Process);
    }

    [Fact]
    public async Task A_guessed_code_gets_a_plain_not_valid_page()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);

        var response = await page.GotoAsync("/invite/" + new string('a', 43));

        response!.Status.ShouldBe(200);
        await Assertions.Expect(new InvitePage(page).NotValid).ToBeVisibleAsync();
    }
}
