using Panel.Web.Components.Shared;

namespace Panel.Web.Tests.Components;

public sealed class TimeTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(10, "just now")]
    [InlineData(60, "1 minute ago")]
    [InlineData(300, "5 minutes ago")]
    [InlineData(3 * 3600, "3 hours ago")]
    [InlineData(3 * 86400, "3 days ago")]
    [InlineData(-600, "in 10 minutes")]
    public void Relative_reads_like_speech(int secondsAgo, string expected) =>
        TimeText.Relative(Now.AddSeconds(-secondsAgo), Now).ShouldBe(expected);

    [Fact]
    public void Relative_long_ago_shows_the_date() =>
        TimeText.Relative(new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), Now).ShouldBe("2025-01-02");
}
