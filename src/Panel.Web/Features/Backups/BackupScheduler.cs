using Panel.Web.Features.Audit;
using Panel.Domain.Backups;
using Panel.Domain.Common;

namespace Panel.Web.Features.Backups;

/// <summary>Takes the scheduled backups (a cron expression, by default 04:00 every day, local time).</summary>
public sealed partial class BackupScheduler(BackupsService backups, TimeProvider clock, ILogger<BackupScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            BackupSettingsView settings;
            try
            {
                settings = await backups.GetSettingsAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
                continue;
            }

            // Settings change rarely; look again at least every ten minutes.
            var now = clock.GetUtcNow();
            var next = settings.ScheduleEnabled ? settings.NextRun : null;
            var wait = next is { } at ? at - now : TimeSpan.FromMinutes(10);
            if (wait > TimeSpan.FromMinutes(10))
            {
                await Task.Delay(TimeSpan.FromMinutes(10), clock, stoppingToken);
                continue;
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, stoppingToken);
            }

            if (next is null)
            {
                continue;
            }

            try
            {
                await backups.StartAsync(BackupTrigger.Scheduled, new AuditActor("schedule", null), stoppingToken);
            }
            catch (DomainException ex)
            {
                // Nothing to back up, or another operation runs: the alert says why when it matters.
                LogSkipped(logger, ex.Message);
            }

            // Never twice for the same occurrence.
            await Task.Delay(TimeSpan.FromSeconds(61), clock, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The backup schedule could not be read: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The scheduled backup did not start: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
