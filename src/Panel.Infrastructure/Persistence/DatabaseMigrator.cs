using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Panel.Domain.Accounts;

namespace Panel.Infrastructure.Persistence;

/// <summary>
/// Applies the checked-in migrations and the fixed rows (the two roles) before anything else runs.
/// It runs as the first hosted service, so the web server only starts on an up-to-date database.
/// </summary>
public sealed partial class DatabaseMigrator(IDbContextFactory<PanelDbContext> contexts, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) => await MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one writer writes; the setting is kept in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        // On an empty database, asking for pending migrations would query a history table that does
        // not exist yet (and log an error for it); migrate straight away instead.
        var fresh = !await db.GetService<IHistoryRepository>().ExistsAsync(cancellationToken);
        var pending = fresh ? db.Database.GetMigrations().Count() : (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
        if (pending > 0)
        {
            LogApplying(logger, pending, db.Database.ProviderName ?? "?");
            await db.Database.MigrateAsync(cancellationToken);
        }

        foreach (var role in PanelRoles.All)
        {
            var normalized = role.ToUpperInvariant();
            if (!await db.Roles.AnyAsync(r => r.NormalizedName == normalized, cancellationToken))
            {
                db.Roles.Add(new IdentityRole(role) { NormalizedName = normalized });
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another panel process seeded the roles at the same moment: what we wanted is there.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} database migration(s) on {Provider}")]
    private static partial void LogApplying(ILogger logger, int count, string provider);
}
