using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class InviteUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public async Task Owner_creates_an_invite_and_a_friend_registers_through_the_link()
    {
        var owner = await browser.NewPageAsync(hs.Process.BaseUrl);
        string link = "";
        await BrowserFixture.RunAsync(owner, "invite-owner", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(owner);
            var invites = new InvitesPage(owner);
            await invites.OpenAsync();
            link = await invites.CreateAsync("for Frieda");
            await BrowserFixture.ScreenshotAsync(owner, "invite-created");
        }, hs.Process);

        // The friend: a fresh browser, no account, no cookies.
        var friend = await browser.NewPageAsync(hs.Process.BaseUrl);
        var circuits = 0;
        var scripts = 0;
        friend.Request += (_, r) =>
        {
            if (r.Url.Contains("/_blazor", StringComparison.Ordinal)) { circuits++; }
            if (r.ResourceType == "script") { scripts++; }
        };
        await BrowserFixture.RunAsync(friend, "invite-friend", async () =>
        {
            var invite = new InvitePage(friend);
            await friend.GotoAsync(link);
            await Assertions.Expect(invite.Note).ToHaveTextAsync("for Frieda");
            await invite.CheckUsernameAsync("frieda");
            await Assertions.Expect(invite.Availability).ToContainTextAsync("is free");
            await invite.RegisterAsync("frieda's long password");

            await Assertions.Expect(invite.Success).ToBeVisibleAsync();
            await Assertions.Expect(invite.UserId).ToHaveTextAsync($"@frieda:{hs.ServerName}");
            await BrowserFixture.ScreenshotAsync(friend, "invite-success");
        }, hs.Process);

        circuits.ShouldBe(0, "the invite page must not open a SignalR circuit");
        scripts.ShouldBe(0, "the invite page works without JavaScript");
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("frieda", "frieda's long password");
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
