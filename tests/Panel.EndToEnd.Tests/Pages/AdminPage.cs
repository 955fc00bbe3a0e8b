using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>
/// A page of the admin area, as a person uses it: what they look at (locators named after what the
/// page shows) and what they do (methods). Tests say what happens; the selectors live here, once.
/// </summary>
public abstract class AdminPage(IPage page, string path)
{
    public IPage Page => page;

    /// <summary>The running operation's steps, shown while a long action runs.</summary>
    public ILocator Operation => page.GetByTestId("operation");

    public ILocator Step(string name) => page.GetByTestId("step-" + name);

    /// <summary>Opens the page and waits until its circuit is up, so that typing is not lost to the prerendered copy.</summary>
    public async Task OpenAsync(string? query = null)
    {
        await page.GotoAsync(path + query);
        await WaitForInteractiveAsync();
    }

    public async Task ReloadAsync()
    {
        await page.ReloadAsync();
        await WaitForInteractiveAsync();
    }

    public Task WaitForInteractiveAsync() => WaitForInteractiveAsync(page);

    public static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator("#panel-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>Confirms the dialog that every destructive action opens first.</summary>
    protected Task ConfirmAsync() => page.GetByTestId("confirm-button").ClickAsync();
}
