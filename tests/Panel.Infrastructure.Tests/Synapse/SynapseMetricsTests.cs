using Panel.Infrastructure.Synapse;

namespace Panel.Infrastructure.Tests.Synapse;

public sealed class SynapseMetricsTests
{
    // The shape Synapse 1.160 serves at /_synapse/metrics (trimmed).
    private const string Sample = """
        # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
        # TYPE process_start_time_seconds gauge
        process_start_time_seconds 1.7650123456e+09
        # HELP synapse_http_server_requests_received_total
        # TYPE synapse_http_server_requests_received_total counter
        synapse_http_server_requests_received_total{method="GET",server_name="example.org",servlet="SyncRestServlet"} 120.0
        synapse_http_server_requests_received_total{method="PUT",server_name="example.org",servlet="RoomSendEventRestServlet"} 30.0
        synapse_http_server_requests_received_total{method="GET",server_name="example.org",servlet="HealthResource"} 7.0
        # HELP synapse_http_server_requests_received_created
        synapse_http_server_requests_received_created{method="GET",server_name="example.org",servlet="SyncRestServlet"} 1.765012346e+09
        """;

    [Fact]
    public void Requests_are_summed_over_servlets_and_syncs_counted_apart()
    {
        var activity = SynapseMetrics.Parse(Sample)!;

        activity.Requests.ShouldBe(157);
        activity.Syncs.ShouldBe(120);
        activity.ProcessStartedAt.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1_765_012_345_600));
    }

    [Fact]
    public void A_server_before_its_first_request_counts_zero()
    {
        var activity = SynapseMetrics.Parse("process_start_time_seconds 1.7e+09\n# TYPE synapse_http_server_requests_received_total counter\n")!;

        activity.Requests.ShouldBe(0);
        activity.Syncs.ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>Not found</html>")]
    [InlineData("synapse_http_server_requests_received_total{servlet=\"SyncRestServlet\"} 3.0")]
    public void Text_without_the_counters_or_the_start_time_is_no_reading(string text) =>
        SynapseMetrics.Parse(text).ShouldBeNull();
}
