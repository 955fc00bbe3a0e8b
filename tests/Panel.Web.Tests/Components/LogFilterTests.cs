using Panel.Web.Components.Shared;

namespace Panel.Web.Tests.Components;

public sealed class LogFilterTests
{
    private const string Poll = "2026-12-07 01:00:00,000 - synapse.access.http.8008 - 459 - INFO - GET-12 - 172.18.0.1 - 8008 - {@panel-admin:example.org} Processed request: 0.002sec 200 \"GET /_synapse/admin/v1/server_version HTTP/1.1\"";
    private const string Health = "2026-12-07 01:00:01,000 - synapse.access.http.8008 - 459 - INFO - GET-13 - 127.0.0.1 - 8008 - {None} Processed request: 0.001sec 200 \"GET /health HTTP/1.1\" \"curl/8.5\"";
    private const string Warning = "2026-12-07 01:00:02,000 - synapse.federation - 120 - WARNING - - Failed to send to matrix.example.com";
    private const string Error = "2026-12-07 01:00:03,000 - synapse.storage - 88 - ERROR - - Database connection lost";
    private const string Info = "2026-12-07 01:00:04,000 - synapse.handlers.register - 300 - INFO - POST-1 - Registered user @ann:example.org";

    private static readonly string[] Lines = [Poll, Health, Warning, Error, Info];

    [Fact]
    public void The_panels_own_polls_are_hidden_by_default_and_shown_when_asked()
    {
        Lines.Where(new LogFilter().Shows).ShouldBe([Warning, Error, Info]);
        Lines.Where(new LogFilter(HidePanelPolls: false).Shows).ShouldBe(Lines);
    }

    [Fact]
    public void The_level_keeps_warnings_and_errors_or_errors_only()
    {
        Lines.Where(new LogFilter(Level: LogFilter.Warnings).Shows).ShouldBe([Warning, Error]);
        Lines.Where(new LogFilter(Level: LogFilter.Errors).Shows).ShouldBe([Error]);
    }

    [Fact]
    public void The_text_matches_whatever_its_case() =>
        Lines.Where(new LogFilter(Text: " @ANN:example ").Shows).ShouldBe([Info]);
}
