using Panel.Domain.Backups;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Backups;

/// <summary>
/// "Back up first": work that changes the homeserver deeply (VACUUM FULL, worker mode) starts after a
/// backup, made by the existing backups unless one completed in the last hour. The one home for it.
/// </summary>
public sealed partial class AfterBackup(BackupsService backups, HomeserverOperations operations, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<AfterBackup> logger)
{
    public static readonly TimeSpan Recent = TimeSpan.FromHours(1);

    public async Task<bool> HasRecentAsync(CancellationToken cancellationToken) =>
        (await backups.ListAsync(cancellationToken)).Any(b => b.Status == "completed" && b.FinishedAt > clock.GetUtcNow() - Recent);

    /// <summary>Calls <paramref name="start"/> now when a recent backup exists; else starts a backup and calls it once that completed. Returns at once.</summary>
    public async Task RunAsync(AuditActor actor, Func<CancellationToken, Task> start, CancellationToken cancellationToken)
    {
        if (await HasRecentAsync(cancellationToken))
        {
            await start(cancellationToken);
            return;
        }

        var backupId = await backups.StartAsync(BackupTrigger.Manual, actor, cancellationToken);
        _ = Task.Run(() => StartAfterAsync(backupId, start), CancellationToken.None);
    }

    private async Task StartAfterAsync(Guid backupId, Func<CancellationToken, Task> start)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            while ((await backups.GetAsync(backupId, stopping)).Status == "running")
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }

            if ((await backups.GetAsync(backupId, stopping)).Status == "completed")
            {
                // The backup's operation releases its turn just after it records the result.
                for (var i = 0; i < 100 && operations.IsBusy; i++)
                {
                    await Task.Delay(100, stopping);
                }

                await start(stopping);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The backup's failure is shown and alerted by the backups; the work simply does not start.
            LogNotStarted(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The work planned after a backup did not start: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string reason);
}
