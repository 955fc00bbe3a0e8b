using Panel.Web.Cli;

namespace Panel.Web.Tests.Host;

public sealed class HealthCheckCliTests
{
    [Theory]
    [InlineData("http://+:8080", "http://localhost:8080")]
    [InlineData("http://*:8080", "http://localhost:8080")]
    [InlineData("http://0.0.0.0:5080;https://0.0.0.0:5081", "http://localhost:5080")]
    [InlineData("http://[::]:8080", "http://localhost:8080")]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080")]
    [InlineData(null, "http://localhost:8080")]
    public void The_healthcheck_command_asks_the_first_address_the_panel_listens_on(string? urls, string expected) =>
        HealthCheckCli.LocalUrl(urls).ShouldBe(expected);
}
