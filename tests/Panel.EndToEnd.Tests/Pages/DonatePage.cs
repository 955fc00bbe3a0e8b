using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The public donate page (static): what the server costs, how much is covered, the amount form.</summary>
public sealed class DonatePage(IPage page)
{
    public ILocator FundingBar => page.GetByTestId("funding-bar");

    public ILocator FundingText => page.GetByTestId("funding-text");

    public ILocator Error => page.GetByTestId("donate-error");

    public Task OpenAsync() => page.GotoAsync("/donate");

    /// <summary>Picks one of the offered amounts, or "Other" with the amount typed in.</summary>
    public async Task ChooseAmountAsync(string amount)
    {
        if (amount.StartsWith('€'))
        {
            await page.GetByText(amount, new() { Exact = true }).ClickAsync();
            return;
        }

        await page.GetByText("Other", new() { Exact = true }).ClickAsync();
        await page.GetByLabel("Other amount").FillAsync(amount);
    }

    public Task EveryMonthAsync() => page.GetByText("Every month", new() { Exact = true }).ClickAsync();

    /// <summary>Gives a name, shown on the list of supporters.</summary>
    public async Task ShowNameAsync(string name)
    {
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByText("Show my name on the list of supporters").ClickAsync();
    }

    public Task ContinueAsync() => page.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
}
