using Panel.Web.Components.Shared;

namespace Panel.Web.Tests.Components;

public sealed class TimeChartTests
{
    [Theory]
    [InlineData(0.4, 1)]
    [InlineData(24, 50)]
    [InlineData(20, 20)]
    [InlineData(130, 200)]
    [InlineData(1030, 2000)]
    public void The_tick_interval_is_a_round_number_at_least_the_raw_one(double raw, int step) =>
        TimeChart.NiceStep(raw).ShouldBe(step);
}
