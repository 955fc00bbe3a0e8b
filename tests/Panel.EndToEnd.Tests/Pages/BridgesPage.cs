using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The bridge catalog.</summary>
public sealed class BridgesPage(IPage page) : AdminPage(page, "/bridges")
{
    public ILocator CatalogEntry(string id) => Page.GetByTestId("catalog-" + id);

    /// <summary>Installs a catalog entry for an owner, and follows the panel to the new bridge's page.</summary>
    public async Task<BridgePage> InstallAsync(string id, string owner)
    {
        await Page.GetByTestId("install-" + id).ClickAsync();
        await Page.GetByTestId("bridge-owner").FillAsync(owner);
        await Page.GetByTestId("install-confirm").ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("/bridges/", StringComparison.Ordinal));
        return new BridgePage(Page);
    }
}

/// <summary>One installed bridge: its status, health, login instructions and the actions on it.</summary>
public sealed class BridgePage(IPage page) : AdminPage(page, page.Url)
{
    public ILocator Status => Page.GetByTestId("bridge-status");

    public ILocator Health => Page.GetByTestId("bridge-health");

    public ILocator Login => Page.GetByTestId("bridge-login");

    public ILocator NotInstalled => Page.GetByText("This bridge is not installed");

    /// <summary>Asks to uninstall, and confirms.</summary>
    public async Task UninstallAsync()
    {
        await Page.GetByTestId("bridge-uninstall").ClickAsync();
        await ConfirmAsync();
    }
}
