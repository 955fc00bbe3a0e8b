using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The homeserver page: the install wizard until a homeserver is installed, then its state.</summary>
public sealed class HomeserverPage(IPage page) : AdminPage(page, "/homeserver")
{
    public ILocator ServerName => Page.GetByTestId("server-name");

    public ILocator Image => Page.GetByTestId("synapse-image");

    public ILocator ImageNote => Page.GetByTestId("synapse-image-note");

    public ILocator Health => Page.GetByTestId("health");

    public ILocator Title => Page.GetByTestId("server-name-title");

    public ILocator InstallFailed => Page.GetByTestId("install-failed");

    public ILocator DeleteKeptData(string serverName) =>
        Page.GetByRole(AriaRole.Button, new() { Name = $"Delete the kept data of {serverName}" });

    /// <summary>The wizard's first answers: the server's name, and SQLite as its database.</summary>
    public async Task NameWithSqliteAsync(string serverName)
    {
        await ServerName.FillAsync(serverName);
        await Page.GetByText("SQLite (only for a tiny, private server)").ClickAsync();
    }

    /// <summary>Types an image into the image field and closes its suggestions.</summary>
    public async Task ChooseImageAsync(string image)
    {
        await Image.FillAsync(image);
        await Image.PressAsync("Escape");
    }

    public Task InstallAsync() => Page.GetByTestId("install").ClickAsync();

    public ILocator Memory => Page.GetByTestId("memory");

    public ILocator Jemalloc => Page.GetByTestId("jemalloc");

    /// <summary>A profile's card (small, balanced, roomy): its settings, what it trades, "In use" once applied.</summary>
    public ILocator Profile(string profile) => Page.GetByTestId("profile-" + profile);

    /// <summary>Applies a memory profile, confirming the restart it asks about.</summary>
    public async Task ApplyProfileAsync(string profile)
    {
        await Page.GetByTestId("apply-" + profile).ClickAsync();
        await ConfirmAsync();
    }

    /// <summary>The table of profile changes and what each did to Synapse's memory.</summary>
    public ILocator Changes => Page.GetByTestId("memory-changes");

    public ILocator CustomError => Page.GetByTestId("custom-error");

    public ILocator CurrentMemory => Page.GetByTestId("memory-current");

    /// <summary>Opens the custom settings and sets the memory limit (MiB), then asks to apply (the dialog checks first).</summary>
    public async Task ApplyCustomLimitAsync(int mebibytes)
    {
        if (!await Page.GetByTestId("custom-apply").IsVisibleAsync())
        {
            await Page.GetByTestId("custom-profile").ClickAsync();
        }

        var limit = Page.GetByLabel("Memory limit (MiB)");
        await limit.FillAsync(mebibytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await limit.BlurAsync();
        await Page.GetByTestId("custom-apply").ClickAsync();
    }
}
