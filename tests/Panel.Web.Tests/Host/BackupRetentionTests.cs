using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Backups;

namespace Panel.Web.Tests.Host;

/// <summary>Retention as the panel applies it after a backup: rows and directories go together.</summary>
public sealed class BackupRetentionTests : IAsyncLifetime
{
    private readonly PanelWebFactory _panel = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _panel.DisposeAsync();

    [Fact]
    public async Task Retention_deletes_older_sets_of_the_same_day_with_their_directories_and_never_an_imported_set()
    {
        var location = _panel.Services.GetRequiredService<BackupLocation>();
        var day = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero).ToLocalTime();
        var older = await AddAsync(location, Backup.Start(BackupTrigger.Manual, "older", false, "example.org", day));
        var newer = await AddAsync(location, Backup.Start(BackupTrigger.Scheduled, "newer", false, "example.org", day.AddHours(2)));
        // Copied in from another machine, taken later the same day: the newest of the day by the
        // rules, and still not the panel's to delete, nor a reason to delete the panel's own.
        var imported = await AddAsync(location, Backup.Imported(Guid.NewGuid(), "from-the-old-machine",
            new BackupManifest { Id = Guid.NewGuid(), CreatedAt = day.AddHours(3), ServerName = "example.org" }, 10));

        var removed = await _panel.Services.GetRequiredService<BackupsService>().PruneAsync(Ct);

        removed.ShouldBe(1);
        await using var db = await _panel.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync(Ct);
        (await db.Backups.Select(b => b.Directory).OrderBy(d => d).ToListAsync(Ct)).ShouldBe(["from-the-old-machine", "newer"]);
        Directory.Exists(location.SetDirectory(older.Directory)).ShouldBeFalse();
        Directory.Exists(location.SetDirectory(newer.Directory)).ShouldBeTrue();
        Directory.Exists(location.SetDirectory(imported.Directory)).ShouldBeTrue();
    }

    private async Task<Backup> AddAsync(BackupLocation location, Backup backup)
    {
        if (backup.Status == BackupStatus.Running)
        {
            backup.Complete(backup.StartedAt.AddMinutes(1), 10, "test set");
        }

        Directory.CreateDirectory(location.SetDirectory(backup.Directory));
        await File.WriteAllTextAsync(Path.Combine(location.SetDirectory(backup.Directory), "manifest.json"), "{}", Ct);
        await using var db = await _panel.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync(Ct);
        db.Backups.Add(backup);
        await db.SaveChangesAsync(Ct);
        return backup;
    }
}
