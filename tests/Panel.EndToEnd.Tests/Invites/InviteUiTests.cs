using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Homeserver;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Invites;

public sealed class InviteUiTests(BrowserFixture browser, InstalledHomeserverFixture hs) : IClassFixture<BrowserFixture>, IClassFixture<InstalledHomeserverFixture>
{
    [Fact]
    public async Task OwnerCreatesAnInvite_AndAFriendRegistersThroughTheLink()
    {
        var owner = await browser.NewPageAsync(hs.Process.BaseUrl);
        string link = "";
        await BrowserFixture.RunAsync(owner, "invite-owner", async () =>
        {
            await UiSignIn.SignInAsync(owner, "owner", "correct horse battery staple");
            await owner.GotoAsync("/invites");
            await UiSignIn.WaitForInteractiveAsync(owner);
            await owner.GetByTestId("invite-note-input").FillAsync("for Frieda");
            await owner.GetByTestId("create-invite").ClickAsync();
            await Assertions.Expect(owner.GetByTestId("invite-link")).ToContainTextAsync("/invite/", new() { Timeout = 20_000 });
            link = (await owner.GetByTestId("invite-link").TextContentAsync())!.Trim();
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
            await friend.GotoAsync(link);
            await Assertions.Expect(friend.GetByTestId("invite-note")).ToHaveTextAsync("for Frieda");
            await friend.GetByLabel("Username").FillAsync("frieda");
            await friend.GetByRole(AriaRole.Button, new() { Name = "Check the username" }).ClickAsync();
            await Assertions.Expect(friend.GetByTestId("availability")).ToContainTextAsync("is free");
            await friend.GetByLabel("Password (at least").FillAsync("frieda's long password");
            await friend.GetByLabel("Password, again").FillAsync("frieda's long password");
            await friend.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();

            await Assertions.Expect(friend.GetByTestId("invite-success")).ToBeVisibleAsync();
            await Assertions.Expect(friend.GetByTestId("user-id")).ToHaveTextAsync($"@frieda:{hs.ServerName}");
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
            await UiSignIn.SignInAsync(page, "owner", "correct horse battery staple");
            await page.GotoAsync("/invites");
            await UiSignIn.WaitForInteractiveAsync(page);
            await page.GetByTestId("create-invite").ClickAsync();
            var link = (await page.GetByTestId("invite-link").TextContentAsync())!.Trim();
            await page.GetByTestId("copy-created").ClickAsync();
            await Assertions.Expect(page.GetByText("Link copied.")).ToBeVisibleAsync();
            (await page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(link);
        }, hs.Process);

        // A plain-HTTP address: no clipboard API, and no copying by the old way either.
        var plain = await browser.NewPageAsync(hs.Process.BaseUrl);
        await plain.Context.AddInitScriptAsync("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }); document.execCommand = () => false;");
        await BrowserFixture.RunAsync(plain, "invite-copy-plain-http", async () =>
        {
            await UiSignIn.SignInAsync(plain, "owner", "correct horse battery staple");
            await plain.GotoAsync("/invites");
            await UiSignIn.WaitForInteractiveAsync(plain);
            await plain.GetByTestId("create-invite").ClickAsync();
            var link = (await plain.GetByTestId("invite-link").TextContentAsync())!.Trim();
            await plain.GetByTestId("copy-created").ClickAsync();
            await Assertions.Expect(plain.GetByText("The link is selected")).ToBeVisibleAsync();
            (await plain.EvaluateAsync<string>("() => window.getSelection().toString()")).Trim().ShouldBe(link);

            // A row of the table has no link on screen: it is shown, selected.
            await plain.GetByTestId("invites-table").GetByLabel("Copy link").First.ClickAsync();
            await Assertions.Expect(plain.GetByTestId("copy-fallback")).ToContainTextAsync("/invite/");
            await Assertions.Expect(plain.GetByText("shown and selected above the table")).ToBeVisibleAsync();
            (await plain.EvaluateAsync<string>("() => window.getSelection().toString()")).Trim().ShouldContain("/invite/");
        }, hs.Process);
    }

    [Fact]
    public async Task AGuessedCode_GetsAPlainNotValidPage()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);

        var response = await page.GotoAsync("/invite/" + new string('a', 43));

        response!.Status.ShouldBe(200);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This invite link is not valid" })).ToBeVisibleAsync();
    }
}
