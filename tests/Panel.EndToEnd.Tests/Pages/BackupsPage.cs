using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The backups page: the list of sets, newest first, and "Back up now".</summary>
public sealed class BackupsPage(IPage page) : AdminPage(page, "/backups")
{
    public ILocator Rows => Page.GetByTestId("backups").Locator("tbody tr");

    public ILocator Status(ILocator row) => row.GetByTestId("backup-status");

    public ILocator Size(ILocator row) => row.GetByTestId("backup-size");

    public Task BackUpNowAsync() => Page.GetByTestId("backup-now").ClickAsync();
}
