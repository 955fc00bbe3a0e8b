using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Domain.Moderation;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Moderation;

/// <summary>
/// Tells the owner when someone reports a message: Synapse keeps reports but tells nobody
/// (synapse#18904). Each new report raises a panel alert, which is also sent to the owner's Matrix
/// account as a server notice when the alert settings name one.
/// </summary>
public sealed partial class ReportWatcher(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess homeserver,
    Monitoring.AlertService alerts,
    ILogger<ReportWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public static string AlertKey(long reportId) => $"report:{reportId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await LookAsync(stoppingToken);
            }
            catch (Exception e) when (e is DomainException or HttpRequestException or DbUpdateException)
            {
                // The homeserver is down or being installed: the next pass looks again.
                LogLookFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One look at the report queue; returns the reports that were new.</summary>
    public async Task<IReadOnlyList<EventReport>> LookAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            return [];
        }

        var page = await homeserver.CreateAdmin(d).ListEventReportsAsync(0, ModerationService.MaxPage, cancellationToken);
        IReadOnlyList<EventReport> fresh;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var state = await db.ModerationState.SingleOrAddAsync(ModerationState.Default, cancellationToken);

            fresh = state.TakeNew(page.Reports);
            await db.SaveChangesAsync(cancellationToken);
        }

        foreach (var r in fresh)
        {
            await alerts.RaiseAsync(AlertKey(r.Id), Title, Message(r), cancellationToken);
        }

        // Alerts live in memory: after a restart, the open reports show again (without telling anyone
        // twice), and a report dismissed elsewhere (another admin tool) takes its alert with it.
        var open = page.Reports.Select(r => AlertKey(r.Id)).ToHashSet(StringComparer.Ordinal);
        if (!_shownAfterStart)
        {
            foreach (var r in page.Reports.Where(r => !fresh.Contains(r)))
            {
                alerts.Show(AlertKey(r.Id), Title, Message(r));
            }

            _shownAfterStart = true;
        }

        // (Only when the page held every open report: beyond it, absent does not mean gone.)
        foreach (var gone in alerts.Active.Select(a => a.Key).Where(k => page.Total <= page.Reports.Count && k.StartsWith("report:", StringComparison.Ordinal) && !open.Contains(k)))
        {
            alerts.Resolve(gone);
        }

        return fresh;
    }

    private const string Title = "A message was reported";

    private bool _shownAfterStart;

    private static string Message(EventReport r) =>
        $"{r.Reporter} reported a message of {r.Sender} in {r.RoomName ?? r.RoomId}: \"{r.Reason ?? "no reason given"}\". Open Moderation in the panel to act on it.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Looking for new reports failed: {Error}")]
    private static partial void LogLookFailed(ILogger logger, string error);
}
