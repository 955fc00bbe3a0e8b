using Cronos;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Backups;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Backups;

/// <summary>Backups as the UI and the API see them: list, take, restore, delete, settings, retention.</summary>
public sealed partial class BackupsService(
    IDbContextFactory<PanelDbContext> contexts,
    BackupLocation location,
    BackupWriter writer,
    BackupRestorer restorer,
    HomeserverOperations operations,
    ISecretProtector secrets,
    AlertService alerts,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<BackupsService> logger)
{
    public const string FailedAlertKey = "backup:failed";

    private readonly SemaphoreSlim _importGate = new(1, 1);

    public async Task<IReadOnlyList<BackupView>> ListAsync(CancellationToken cancellationToken)
    {
        await ImportFoundAsync(cancellationToken);
        var operation = operations.Current;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var backups = await db.Backups.AsNoTracking().OrderByDescending(b => b.StartedAt).ToListAsync(cancellationToken);
        return backups.Select(b => ToView(b, operation)).ToList();
    }

    public async Task<BackupView> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        // The operation before the record, which it writes before it ends (see HomeserverService.GetAsync).
        var operation = operations.Current;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var backup = await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such backup.");
        return ToView(backup, operation);
    }

    /// <summary>Starts a backup in the background; returns its id at once. Progress is in <see cref="GetAsync"/>.</summary>
    public async Task<Guid> StartAsync(BackupTrigger trigger, AuditActor actor, CancellationToken cancellationToken)
    {
        var settings = await GetSettingsEntityAsync(cancellationToken);
        HomeserverDeployment? d;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        }

        if (d is not { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed })
        {
            throw new ConflictException("There is nothing to back up yet: backups cover a homeserver that the panel installed and runs.");
        }

        var passphrase = settings.PassphraseProtected is null ? null : secrets.Unprotect(settings.PassphraseProtected);
        var now = clock.GetUtcNow();
        var backup = Backup.Start(trigger, $"{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}", passphrase is not null, d.ServerName, now);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Backups.Add(backup);
            await db.SaveChangesAsync(cancellationToken);
        }

        var directory = location.SetDirectory(backup.Directory);
        try
        {
            _ = operations.Start("backup", BackupWriter.Steps, async (progress, ct) =>
            {
                try
                {
                    var manifest = await writer.WriteAsync(backup.Id, directory, passphrase, progress, ct);
                    await UpdateAsync(backup.Id, b => b.Complete(clock.GetUtcNow(), manifest.TotalSize, manifest.Describe()), CancellationToken.None);
                    progress.Outcome($"{trigger}, {new ByteSize(manifest.TotalSize)}");
                    alerts.Resolve(FailedAlertKey);
                    await PruneAsync(CancellationToken.None);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new DomainException($"The backup could not be written to {location.Root}: {ex.Message}", ex);
                }
            }, subject: backup.Id.ToString(),
            audit: new OperationAudit(actor, "backup.created", backup.Directory, trigger.ToString()),
            onFailure: async (message, ct) =>
            {
                LogBackupFailed(logger, message);
                await UpdateAsync(backup.Id, b => b.Fail(clock.GetUtcNow(), message), ct);
                await alerts.RaiseAsync(FailedAlertKey, "A backup failed", message, ct);
                TryDelete(directory);
            });
        }
        catch (ConflictException)
        {
            await UpdateAsync(backup.Id, b => b.Fail(clock.GetUtcNow(), "Another operation was running."), CancellationToken.None);
            throw;
        }

        return backup.Id;
    }

    public async Task RestoreAsync(Guid id, RestoreRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var backup = await FindAsync(id, cancellationToken);
        if (backup.Status != BackupStatus.Completed)
        {
            throw new ConflictException("Only a completed backup can be restored.");
        }

        if (!string.Equals(request.ConfirmServerName?.Trim(), backup.ServerName, StringComparison.Ordinal))
        {
            throw new DomainException($"A restore replaces the homeserver's data with the backup's. To confirm, give confirmServerName={backup.ServerName}.");
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            (await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.EnsureOneProcess("restore");
        }

        var settings = await GetSettingsEntityAsync(cancellationToken);
        var passphrase = !string.IsNullOrEmpty(request.Passphrase) ? request.Passphrase
            : settings.PassphraseProtected is null ? null : secrets.Unprotect(settings.PassphraseProtected);
        var directory = location.SetDirectory(backup.Directory);
        _ = operations.Start("restore", BackupRestorer.Steps, async (progress, ct) =>
        {
            var plan = await restorer.VerifyAsync(directory, passphrase, progress, ct);
            await restorer.RestoreAsync(directory, plan, progress, ct);
            progress.Outcome($"{plan.Manifest.ServerName} from {plan.Manifest.CreatedAt:u}");
        }, subject: id.ToString(), audit: new OperationAudit(actor, "backup.restored", backup.Directory));
    }

    /// <summary>
    /// Checks a backup without restoring it (every file against the manifest, and the passphrase);
    /// the same check a restore starts with.
    /// </summary>
    public async Task<string> VerifyAsync(Guid id, string? passphrase, CancellationToken cancellationToken)
    {
        var backup = await FindAsync(id, cancellationToken);
        var settings = await GetSettingsEntityAsync(cancellationToken);
        passphrase = !string.IsNullOrEmpty(passphrase) ? passphrase : settings.PassphraseProtected is null ? null : secrets.Unprotect(settings.PassphraseProtected);
        var plan = await restorer.VerifyAsync(location.SetDirectory(backup.Directory), passphrase, OperationContext.Silent, cancellationToken);
        return $"{plan.Manifest.Files.Count} files match the manifest ({new ByteSize(plan.Manifest.TotalSize)}); {plan.Manifest.ServerName}, {plan.Bridges.Count} bridge(s).";
    }

    public async Task DeleteAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        var backup = await FindAsync(id, cancellationToken);
        if (backup.Status == BackupStatus.Running)
        {
            throw new ConflictException("The backup is still running.");
        }

        TryDelete(location.SetDirectory(backup.Directory));
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Backups.Where(b => b.Id == id).ExecuteDeleteAsync(cancellationToken);
        }

        await audit.RecordAsync(actor, "backup.deleted", backup.Directory, AuditOutcome.Success, $"{backup.ServerName}, {new ByteSize(backup.SizeBytes)}", cancellationToken);
    }

    public async Task<BackupSettingsView> GetSettingsAsync(CancellationToken cancellationToken)
    {
        var s = await GetSettingsEntityAsync(cancellationToken);
        return new BackupSettingsView(s.ScheduleEnabled, s.Schedule, s.KeepDaily, s.KeepWeekly, s.KeepMonthly, s.PassphraseProtected is not null,
            s.ScheduleEnabled ? NextRun(s.Schedule, clock.GetUtcNow()) : null, location.Root, BackupEncryption.Describe);
    }

    public async Task<BackupSettingsView> SaveSettingsAsync(BackupSettingsRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var schedule = request.Schedule?.Trim();
        if (schedule is not null && !TryParseCron(schedule, out _))
        {
            throw new DomainException($"'{schedule}' is not a cron expression: use five fields, minute hour day-of-month month day-of-week, like 0 4 * * * for 04:00 every day.");
        }

        if (!string.IsNullOrEmpty(request.Passphrase) && request.Passphrase.Length < BackupSettings.MinimumPassphraseLength)
        {
            throw new DomainException($"The passphrase must be at least {BackupSettings.MinimumPassphraseLength} characters.");
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var s = await db.BackupSettings.SingleOrAddAsync(BackupSettings.Default, cancellationToken);

            s.Change(request.ScheduleEnabled ?? s.ScheduleEnabled, schedule ?? s.Schedule, request.KeepDaily ?? s.KeepDaily, request.KeepWeekly ?? s.KeepWeekly, request.KeepMonthly ?? s.KeepMonthly);
            if (!string.IsNullOrEmpty(request.Passphrase))
            {
                s.SetPassphrase(secrets.Protect(request.Passphrase));
            }
            else if (request.RemovePassphrase == true)
            {
                s.SetPassphrase(null);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        var view = await GetSettingsAsync(cancellationToken);
        await audit.RecordAsync(actor, "backup.settings-changed", "backups", AuditOutcome.Success,
            $"schedule {(view.ScheduleEnabled ? view.Schedule : "off")}, keep {view.KeepDaily}/{view.KeepWeekly}/{view.KeepMonthly}, " + (view.Encrypted ? "encrypted" : "not encrypted"), cancellationToken);
        return view;
    }

    /// <summary>Deletes completed backups that the retention policy no longer keeps.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = await GetSettingsEntityAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Sets copied in by hand (from another machine) are the user's to delete: retention only
        // thins out what this panel took, or a routine backup would delete the set just brought in.
        var completed = await db.Backups.Where(b => b.Status == BackupStatus.Completed && b.Trigger != BackupTrigger.Imported).ToListAsync(cancellationToken);
        var keep = settings.Retention.Keep(completed.Select(b => (b.Id, b.StartedAt.ToLocalTime())));
        var removed = 0;
        foreach (var backup in completed.Where(b => !keep.Contains(b.Id)))
        {
            TryDelete(location.SetDirectory(backup.Directory));
            db.Backups.Remove(backup);
            removed++;
        }

        // Failed attempts are only worth keeping for a while.
        foreach (var failed in await db.Backups.Where(b => b.Status == BackupStatus.Failed).ToListAsync(cancellationToken))
        {
            if (clock.GetUtcNow() - failed.StartedAt > TimeSpan.FromDays(30))
            {
                db.Backups.Remove(failed);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (removed > 0)
        {
            LogPruned(logger, removed);
        }

        return removed;
    }

    public static bool TryParseCron(string expression, out CronExpression? cron)
    {
        try
        {
            cron = CronExpression.Parse(expression, CronFormat.Standard);
            return true;
        }
        catch (CronFormatException)
        {
            cron = null;
            return false;
        }
    }

    public static DateTimeOffset? NextRun(string schedule, DateTimeOffset after) =>
        TryParseCron(schedule, out var cron) ? cron!.GetNextOccurrence(after, TimeZoneInfo.Local) : null;

    /// <summary>Sets copied into the backup directory from elsewhere (another machine) appear in the list, restorable.</summary>
    private async Task ImportFoundAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(location.Root))
        {
            return;
        }

        // The list is read from several places at once (the API, and any open Backups page when an
        // operation starts or ends): one at a time, or two of them import the same new set and the
        // second fails on the unique directory.
        await _importGate.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var known = (await db.Backups.Select(b => b.Directory).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            foreach (var dir in Directory.EnumerateDirectories(location.Root))
            {
                var name = Path.GetFileName(dir);
                if (known.Contains(name) || name.StartsWith('.') || !BackupSetReader.HasManifest(dir))
                {
                    continue;
                }

                try
                {
                    var manifest = await new BackupSetReader(dir).ReadManifestAsync(cancellationToken);
                    var id = await db.Backups.AnyAsync(b => b.Id == manifest.Id, cancellationToken) ? Guid.NewGuid() : manifest.Id;
                    db.Backups.Add(Backup.Imported(id, name, manifest, manifest.TotalSize));
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is DomainException or IOException or UnauthorizedAccessException)
                {
                    // A set still being copied in, or being deleted, is skipped this time, not a failed list.
                    LogUnreadable(logger, dir, ex.Message);
                }
            }
        }
        finally
        {
            _importGate.Release();
        }
    }

    private static BackupView ToView(Backup b, OperationView? current) => new(
        b.Id,
        b.Status.ToString().ToLowerInvariant(),
        b.Trigger.ToString().ToLowerInvariant(),
        b.StartedAt,
        b.FinishedAt,
        b.Duration?.TotalSeconds,
        b.SizeBytes,
        b.Encrypted,
        b.ServerName,
        b.Contents,
        b.Error,
        b.Directory,
        current is { Subject: { } s } && s == b.Id.ToString() ? current : null);

    private async Task<Backup> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such backup.");
    }

    private async Task<BackupSettings> GetSettingsEntityAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.BackupSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? BackupSettings.Default();
    }

    private async Task UpdateAsync(Guid id, Action<Backup> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var backup = await db.Backups.SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (backup is not null)
        {
            change(backup);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    private void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(logger, directory, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A backup failed: {Reason}")]
    private static partial void LogBackupFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {Count} backup(s)")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The backup directory {Directory} could not be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string directory, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Directory}: {Error}")]
    private static partial void LogDeleteFailed(ILogger logger, string directory, string error);
}
