using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>Storage: where the database's and media store's bytes are, and the remote media purge.</summary>
public sealed class StoragePage(IPage page) : AdminPage(page, "/storage")
{
    public ILocator Tables => Page.GetByTestId("storage-table");

    public ILocator Table(string name) => Page.Locator($"[data-testid=storage-table][data-table='{name}']");

    public ILocator Rooms => Page.GetByTestId("storage-room");

    public ILocator RoomsEstimated => Page.GetByTestId("rooms-estimated");

    public ILocator RemoteMedia => Page.GetByTestId("storage-remote");

    public ILocator Estimate => Page.GetByTestId("purge-estimate");

    public ILocator LastPurge => Page.GetByTestId("purge-last");

    public async Task AskWhatWouldGoAsync(int days)
    {
        await Page.GetByLabel("Not used for (days)").FillAsync(days.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Page.GetByTestId("purge-dry-run").ClickAsync();
    }

    /// <summary>Purges, confirming in the dialog by typing the word it asks for.</summary>
    public async Task PurgeAsync()
    {
        await Page.GetByTestId("purge-remote-media").ClickAsync();
        await Page.Locator(".mud-dialog input").First.FillAsync("purge");
        await Page.GetByTestId("confirm-button").ClickAsync();
    }
}
