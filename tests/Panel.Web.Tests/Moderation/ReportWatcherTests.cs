using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Moderation;
using Panel.Web.Features.Moderation;
using Panel.Web.Features.Monitoring;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Moderation;

/// <summary>The report watcher on the FAKE homeserver: who is told, when, and what a restart changes.</summary>
public sealed class ReportWatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EventReport Report(long id) =>
        new(id, DateTimeOffset.UtcNow, "!room:watch.example.test", "General", $"$event{id}", "@alice:watch.example.test", "spam", -100, "@mallory:watch.example.test");

    [Fact]
    public async Task Each_new_report_is_told_once_and_after_a_restart_the_open_ones_show_again_without_a_second_notice()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("watch.example.test", "sqlite");
        (await api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 90, memoryMinutes = 5, unhealthyMinutes = 2, notifyMatrixUserId = "@owner:watch.example.test" }, Ct)).EnsureSuccessStatusCode();
        var watcher = factory.Services.GetRequiredService<ReportWatcher>();
        var alerts = factory.Services.GetRequiredService<AlertService>();
        factory.Admins.Reports.Add(Report(1));

        await watcher.LookAsync(Ct);
        factory.Admins.Notices.ShouldBeEmpty("report 1 was in the queue before the panel first looked");

        // (The hosted watcher looks too, every 10 s: whichever looks first tells, and only once.)
        factory.Admins.Reports.Add(Report(2));
        await watcher.LookAsync(Ct);
        (await watcher.LookAsync(Ct)).ShouldBeEmpty();
        factory.Admins.Notices.Count(n => n.Text.Contains("reported a message", StringComparison.Ordinal)).ShouldBe(1);
        alerts.Active.ShouldContain(a => a.Key == "report:2");

        // Dismissed in another tool: its alert goes at the next look.
        factory.Admins.Reports.RemoveAll(r => r.Id == 2);
        await watcher.LookAsync(Ct);
        alerts.Active.ShouldNotContain(a => a.Key == "report:2");

        // A new watcher (a restart) shows the open report again and tells nobody twice.
        factory.Admins.Reports.Add(Report(3));
        await watcher.LookAsync(Ct);
        var noticesBefore = factory.Admins.Notices.Count;
        var restarted = ActivatorUtilities.CreateInstance<ReportWatcher>(factory.Services);
        alerts.Dismiss("report:3");
        await restarted.LookAsync(Ct);
        alerts.Active.ShouldContain(a => a.Key == "report:3");
        factory.Admins.Notices.Count.ShouldBe(noticesBefore);
    }
}
