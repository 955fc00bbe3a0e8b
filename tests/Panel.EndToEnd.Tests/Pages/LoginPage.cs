using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The sign-in form (static, server-rendered).</summary>
public sealed class LoginPage(IPage page)
{
    /// <summary>The owner's password in the fixtures that make an owner.</summary>
    public const string OwnerPassword = "correct horse battery staple";

    public ILocator Alert => page.GetByRole(AriaRole.Alert);

    /// <summary>Signs in as the fixtures' owner and waits until the panel has left the login page.</summary>
    public static Task SignInAsOwnerAsync(IPage page) => new LoginPage(page).SignInAsync("owner", OwnerPassword);

    public async Task SignInAsync(string user, string password)
    {
        await page.GotoAsync("/account/login");
        await SubmitAsync(user, password);
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
    }

    /// <summary>Fills and sends the form on the page as it is, without waiting for where it leads.</summary>
    public async Task SubmitAsync(string user, string password)
    {
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
