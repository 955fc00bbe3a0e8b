using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Donations;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Capacity;

/// <summary>
/// On the 1st of each month, sends the owner's Matrix account (the one alerts go to) a server notice
/// with the month in figures: cost, coverage, headroom, the verdict, and what changed since the
/// month before. Sent once a month: the audit log says whether this month's has gone.
/// </summary>
public sealed partial class MonthlyReport(
    IDbContextFactory<PanelDbContext> contexts,
    CapacityService capacity,
    CapacitySnapshots snapshots,
    HomeserverAccess homeserver,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<MonthlyReport> logger) : BackgroundService
{
    public const string AuditAction = "capacity.monthly-report";

    /// <summary>Sends this month's report if it is due (the 1st or later in the month, not sent yet); true when sent.</summary>
    public async Task<bool> SendIfDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var month = Funding.MonthKey(now);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var to = (await db.AlertSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.NotifyMatrixUserId;
        if (to is null || await db.AuditEntries.AnyAsync(e => e.Action == AuditAction && e.Target == month, cancellationToken))
        {
            return false;
        }

        var text = await ComposeAsync(now, cancellationToken);
        var admin = await homeserver.GetAdminAsync(cancellationToken);
        await admin.SendServerNoticeAsync(to, text, cancellationToken);
        await audit.RecordAsync(AuditActor.System, AuditAction, month, AuditOutcome.Success, $"sent to {to}", cancellationToken);
        return true;
    }

    public async Task<string> ComposeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var report = await capacity.ReportAsync(cancellationToken);
        var monthAgo = (await snapshots.SinceAsync(now.AddDays(-35), cancellationToken)).FirstOrDefault(s => s.Time <= now.AddDays(-25));
        var lines = new List<string>
        {
            $"Your homeserver in {now.AddMonths(-1).UtcDateTime.ToString("MMMM yyyy", CultureInfo.InvariantCulture)}",
            report.Verdict.Sentence,
            $"Costs: {report.Costs.Monthly ?? "not entered"} a month" + (report.Costs.PerActiveUser is { } per ? $" ({per} per active user)" : "") + ".",
        };
        if (report.Funding is { Coverage3Percent: { } coverage } f)
        {
            lines.Add($"Donations cover {coverage} % over the last 3 months ({f.Trend.ToString().ToLowerInvariant()}).");
        }

        if (report.SynapseRoomBytes is { } room)
        {
            lines.Add($"Headroom: Synapse can grow by {new ByteSize(room)}" + (report.Friend?.ThatFit is { } fit ? $", about {fit} more friends like the current ones." : "."));
        }

        if (report.Headroom.DaysUntilFull is { } days)
        {
            lines.Add($"Disk: full in about {days:0} days at the last month's growth.");
        }

        if (monthAgo is not null && report.Shape is { } shape)
        {
            lines.Add($"Since a month ago: {Signed(shape.ActiveUsers - monthAgo.ActiveUsers)} active users, {Signed(shape.Rooms - monthAgo.Rooms)} rooms.");
        }

        return string.Join("\n", lines);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SendIfDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReportFailed(logger, e.Message);
            }
        }
    }

    private static string Signed(long n) => n >= 0 ? "+" + n.ToString(CultureInfo.InvariantCulture) : n.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The monthly report could not be sent: {Reason}")]
    private static partial void LogReportFailed(ILogger logger, string reason);
}
