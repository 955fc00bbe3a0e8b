using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The first-run page that creates the owner account (static, server-rendered).</summary>
public sealed class SetupPage(IPage page)
{
    public async Task FillAsync(string user, string password)
    {
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password", new() { Exact = false }).First.FillAsync(password);
        await page.GetByLabel("Password, again").FillAsync(password);
    }

    public Task CreateOwnerAsync() => page.GetByRole(AriaRole.Button, new() { Name = "Create the owner account" }).ClickAsync();
}
