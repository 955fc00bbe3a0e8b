using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>History: upload a Slack export, read its preview, choose the channels and import them.</summary>
public sealed class HistoryPage(IPage page) : AdminPage(page, "/history")
{
    public ILocator Preview => Page.GetByTestId("preview");

    public ILocator Summary => Page.GetByTestId("preview-summary");

    public ILocator NotComingAcross => Page.GetByTestId("not-coming-across");

    public ILocator Status => Page.GetByTestId("preview-status");

    public ILocator UploadError => Page.GetByTestId("upload-error");

    public ILocator Person(string slackId) => Page.GetByTestId("person-" + slackId);

    public ILocator Channel(string name) => Page.GetByTestId("channel-" + name);

    /// <summary>Chooses the file and sends the form; the page comes back with the preview (or the reason it was refused).</summary>
    public async Task UploadAsync(string path)
    {
        await Page.GetByTestId("upload-file").SetInputFilesAsync(path);
        await Page.GetByTestId("upload").ClickAsync();
        await Page.WaitForURLAsync(url => url.Contains("/history?", StringComparison.Ordinal));
        await WaitForInteractiveAsync();
    }

    /// <summary>Leaves the channel out of the import.</summary>
    public Task LeaveOutAsync(string channel) => Channel(channel).Locator("input[type=checkbox]").Nth(0).ClickAsync();

    /// <summary>Makes the channel's room invite-only.</summary>
    public Task MakeInviteOnlyAsync(string channel) => Channel(channel).Locator("input[type=checkbox]").Nth(1).ClickAsync();

    public Task ImportAsync() => Page.GetByTestId("import").ClickAsync();

    public ILocator ScheduledArchives => Page.GetByTestId("scheduled-archive");

    /// <summary>Adds the room (ID or alias) to the rooms archived with every backup.</summary>
    public async Task ArchiveWithEveryBackupAsync(string room)
    {
        await Page.GetByLabel("Room (#alias:server or !id:server)").FillAsync(room);
        await Page.GetByTestId("schedule-archive").ClickAsync();
    }
}
