using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Panel.Testing;
using Panel.Web.Features.Capacity;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Capacity;

/// <summary>The monthly report on the FAKE engine and a fake clock: sent once a month, to the owner's Matrix account.</summary>
public sealed class MonthlyReportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_report_goes_once_a_month_to_the_account_alerts_go_to_and_says_the_verdict_and_costs()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero));
        using var factory = new FakeEnginePanelFactory { Clock = clock };
        var api = await factory.InstallAsync("report.example.test", "sqlite");
        var report = factory.Services.GetRequiredService<MonthlyReport>();

        (await report.SendIfDueAsync(Ct)).ShouldBeFalse("nobody to send it to yet");
        (await api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 90, memoryMinutes = 5, unhealthyMinutes = 2, notifyMatrixUserId = "@owner:report.example.test" }, Ct)).EnsureSuccessStatusCode();

        (await report.SendIfDueAsync(Ct)).ShouldBeTrue();
        (await report.SendIfDueAsync(Ct)).ShouldBeFalse("this month's has gone");
        // A new month: the hourly check sends it by itself (or this call does, whichever comes first), once.
        // (Two hours, not a month: the fake clock fires every periodic timer for each period it passes.)
        clock.Advance(TimeSpan.FromHours(2));
        await report.SendIfDueAsync(Ct);
        await Eventually.UntilAsync(() => Task.FromResult(factory.Admins.Notices.Count), n => n >= 2, TimeSpan.FromSeconds(30), "January's report");
        (await report.SendIfDueAsync(Ct)).ShouldBeFalse("January's has gone");

        var notices = factory.Admins.Notices.ToList();
        notices.Count.ShouldBe(2);
        notices[0].To.ShouldBe("@owner:report.example.test");
        notices[0].Text.ShouldStartWith("Your homeserver in November 2026", customMessage: "December's report looks back on the month before");
        notices[0].Text.ShouldContain("Keep it:");
        notices[0].Text.ShouldContain("Costs: not entered");
        (await api.AuditAsync("action=capacity.monthly-report")).Select(e => e.Target).ShouldBe(["2027-01", "2026-12"], ignoreOrder: true);
    }
}
