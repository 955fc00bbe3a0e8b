using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Pages;

/// <summary>The dashboard: the memory chart of the last hour and the homeserver's figures.</summary>
public sealed class DashboardPage(IPage page) : AdminPage(page, "/")
{
    public ILocator ChartLines => Page.GetByTestId("dashboard-chart").Locator("svg path");

    public ILocator SynapseMemory => Page.GetByTestId("synapse-memory");

    /// <summary>
    /// The dashboard draws what was sampled when it opened: reloads until the chart has a line
    /// (the sampler's first readings come a few seconds after the homeserver starts).
    /// </summary>
    public Task WaitForChartAsync() =>
        Eventually.TrueAsync(async () =>
        {
            if (await ChartLines.CountAsync() > 0)
            {
                return true;
            }

            await ReloadAsync();
            return false;
        }, "the dashboard chart has a line", TimeSpan.FromSeconds(30));
}

/// <summary>The monitoring page: the containers table, the live charts and the history of one container.</summary>
public sealed class MonitoringPage(IPage page) : AdminPage(page, "/monitoring")
{
    public ILocator Containers => Page.GetByTestId("containers");

    public ILocator MemoryChartLines => Page.GetByTestId("memory-chart").Locator("svg path");

    public ILocator HistoryTitle => Page.GetByTestId("history-title");

    public Task ChooseRangeAsync(string range) => Page.GetByTestId("ranges").GetByText(range).ClickAsync();
}
