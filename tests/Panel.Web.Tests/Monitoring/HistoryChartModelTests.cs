using Panel.Domain.Containers;
using Panel.Web.Components.Pages.Admin.Monitoring.Model;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Tests.Monitoring;

public sealed class HistoryChartModelTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<ContainerSummary> Containers = [Summary("database"), Summary("homeserver"), Summary("bridge-echo")];

    [Fact]
    public void Without_a_choice_in_the_URL_the_homeserver_shows_live()
    {
        var chart = new HistoryChartModel();

        chart.Choose(null, null, Containers).ShouldBeTrue();

        chart.Container.ShouldBe("homeserver");
        chart.Range.ShouldBe(HistoryChartModel.Live);
        chart.TimeFormat.ShouldBe("HH:mm:ss");
    }

    [Fact]
    public void The_URLs_container_and_range_are_taken_when_they_exist()
    {
        var chart = new HistoryChartModel();

        chart.Choose("bridge-echo", "30d", Containers);

        chart.Container.ShouldBe("bridge-echo");
        chart.Range.ShouldBe("30d");
        chart.TimeFormat.ShouldBe("MM-dd");
    }

    [Fact]
    public void An_unknown_container_or_range_in_the_URL_falls_back_instead_of_failing()
    {
        var chart = new HistoryChartModel();

        chart.Choose("watched-gone", "7d", Containers);

        chart.Container.ShouldBe("homeserver");
        chart.Range.ShouldBe(HistoryChartModel.Live);
        new HistoryChartModel().Choose("x", null, [Summary("database")]).ShouldBeTrue();
    }

    [Fact]
    public void Choosing_the_same_view_again_reports_no_change()
    {
        var chart = new HistoryChartModel();
        chart.Choose("database", "24h", Containers);

        chart.Choose("database", "24h", Containers).ShouldBeFalse();
        chart.Choose("database", "1h", Containers).ShouldBeTrue();
    }

    [Fact]
    public void A_stored_series_draws_its_average_and_peak_with_memory_in_MiB_and_gaps_kept()
    {
        var chart = new HistoryChartModel();
        chart.ShowSeries(new MetricSeries("homeserver", "24h", "5m",
        [
            new MetricPoint(At, 1.5, 3, 512L * 1048576, 600L * 1048576, null, null, null),
            new MetricPoint(At.AddMinutes(5), null, null, null, null, null, null, null),
        ]));

        chart.Times.ShouldBe([At, At.AddMinutes(5)]);
        chart.Cpu.Select(l => l.Name).ShouldBe(["average", "peak"]);
        chart.Memory[0].Values.ShouldBe([512.0, null]);
        chart.Memory[1].Values.ShouldBe([600.0, null]);
    }

    [Fact]
    public void The_live_view_draws_one_line_of_raw_samples()
    {
        var chart = new HistoryChartModel();
        chart.ShowLive([new ContainerStatsSample(At, 12.346, 256L * 1048576, 1024L * 1048576, 0, 0, 0, 0)]);

        chart.Cpu.ShouldHaveSingleItem().Values.ShouldBe([12.35]);
        chart.Memory.ShouldHaveSingleItem().Values.ShouldBe([256.0]);
    }

    private static ContainerSummary Summary(string key) => new(key, key, key, true, 0, 0, 0, 0, 0, 0, 0, true, At);
}
