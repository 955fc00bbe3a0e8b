using Microsoft.Playwright;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>Keep self-hosting?: the verdict, what it costs, who pays, headroom and the forecast.</summary>
public sealed class CapacityPage(IPage page) : AdminPage(page, "/capacity")
{
    public ILocator Verdict => Page.GetByTestId("verdict-sentence");

    public ILocator Reasons => Page.GetByTestId("verdict");

    public ILocator Costs => Page.GetByTestId("costs");

    public ILocator WhoPays => Page.GetByTestId("who-pays");

    public ILocator Headroom => Page.GetByTestId("headroom");

    public ILocator HeadroomChart => Page.GetByTestId("headroom-chart");

    public ILocator Friend => Page.GetByTestId("friend-forecast");

    public ILocator Answer => Page.GetByTestId("forecast-answer");

    public ILocator Figures => Page.GetByTestId("figures");

    public Task MeasureNowAsync() => Page.GetByTestId("measure-now").ClickAsync();

    /// <summary>Asks what joining a room (by ID or alias) would cost.</summary>
    public async Task AskAboutRoomAsync(string room)
    {
        await Page.GetByLabel("Joining a room (#alias:server or !id:server)").FillAsync(room);
        await Page.GetByTestId("forecast-ask").ClickAsync();
    }
}
