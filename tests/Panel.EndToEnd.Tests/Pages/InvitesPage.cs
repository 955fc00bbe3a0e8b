using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The owner's invites page: create a link, copy it, the table of links.</summary>
public sealed class InvitesPage(IPage page) : AdminPage(page, "/invites")
{
    public ILocator CreatedLink => Page.GetByTestId("invite-link");

    public ILocator CopyFallback => Page.GetByTestId("copy-fallback");

    public ILocator Table => Page.GetByTestId("invites-table");

    public ILocator PublicUrlWarning => Page.GetByTestId("public-url-warning");

    /// <summary>Creates an invite (with a note and rooms to join, when given) and answers its link once it shows.</summary>
    public async Task<string> CreateAsync(string? note = null, string? rooms = null)
    {
        if (note is not null)
        {
            await Page.GetByTestId("invite-note-input").FillAsync(note);
        }

        if (rooms is not null)
        {
            await Page.GetByLabel("Rooms or a space to join").FillAsync(rooms);
        }

        await Page.GetByTestId("create-invite").ClickAsync();
        await Assertions.Expect(CreatedLink).ToContainTextAsync("/invite/", new() { Timeout = 20_000 });
        return (await CreatedLink.TextContentAsync())!.Trim();
    }

    public Task CopyCreatedAsync() => Page.GetByTestId("copy-created").ClickAsync();

    public Task CopyFirstRowAsync() => Page.GetByTestId("invites-table").GetByLabel("Copy link").First.ClickAsync();

    /// <summary>The text the page has selected (where copying is not allowed, it selects the link instead).</summary>
    public async Task<string> SelectionAsync() => (await Page.EvaluateAsync<string>("() => window.getSelection().toString()")).Trim();
}

/// <summary>The public page an invite link opens (static, no circuit, no script).</summary>
public sealed class InvitePage(IPage page)
{
    public ILocator Note => page.GetByTestId("invite-note");

    public ILocator Availability => page.GetByTestId("availability");

    public ILocator Success => page.GetByTestId("invite-success");

    public ILocator UserId => page.GetByTestId("user-id");

    public ILocator WelcomeRooms => page.GetByTestId("welcome-rooms");

    public ILocator OpenElement => page.GetByTestId("open-element");

    public ILocator HomeserverUrl => page.GetByTestId("homeserver-url");

    public ILocator NotValid => page.GetByRole(AriaRole.Heading, new() { Name = "This invite link is not valid" });

    public async Task CheckUsernameAsync(string username)
    {
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check the username" }).ClickAsync();
    }

    public async Task RegisterAsync(string password)
    {
        await page.GetByLabel("Password (at least").FillAsync(password);
        await page.GetByLabel("Password, again").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create my account" }).ClickAsync();
    }
}
