using Panel.Web.Features.Monitoring;

namespace Panel.Web.Tests.Monitoring;

public sealed class TimelineWordsTests
{
    [Theory]
    [InlineData("container", "health_status", "healthy", "became healthy")]
    [InlineData("container", "health_status", "unhealthy", "became unhealthy: its health check fails")]
    [InlineData("container", "oom", null, "was killed: out of memory")]
    [InlineData("container", "restart", null, "restarted")]
    [InlineData("container", "die", "exit code 0", "exited normally")]
    [InlineData("container", "die", "exit code 1", "exited with exit code 1")]
    [InlineData("alert", "raised", "Memory high. Over 90 %", "alert: Memory high. Over 90 %")]
    public void The_timeline_says_what_happened_in_words_not_Dockers_event_names(string kind, string action, string? detail, string words) =>
        new TimelineEntry(1, DateTimeOffset.UnixEpoch, kind, "synapse", action, detail).Words.ShouldBe(words);
}
