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

    public ILocator UploadProgress => Page.GetByTestId("upload-progress");

    /// <summary>Chooses the file and sends the form; the page comes back with the preview (or the reason it was refused).</summary>
    public async Task UploadAsync(string path, Func<Task>? whileUploading = null)
    {
        await Page.GetByTestId("upload-file").SetInputFilesAsync(path);
        // The page goes to the answer once the upload is done (a later navigation, not the click's):
        // waiting for that navigation, not for a URL, also holds when the page already shows the last answer.
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnNavigated(object? sender, IFrame frame)
        {
            if (frame == Page.MainFrame && frame.Url.Contains("/history?", StringComparison.Ordinal))
            {
                answered.TrySetResult();
            }
        }

        Page.FrameNavigated += OnNavigated;
        try
        {
            await Page.GetByTestId("upload").ClickAsync();
            if (whileUploading is not null)
            {
                await whileUploading();
            }

            await answered.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            Page.FrameNavigated -= OnNavigated;
        }

        await Page.WaitForLoadStateAsync();
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
