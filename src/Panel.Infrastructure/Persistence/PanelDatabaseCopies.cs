using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence.Sqlite;

namespace Panel.Infrastructure.Persistence;

/// <summary>
/// Copies of the panel's own database for backups: the whole database (SQLite's online backup, or
/// pg_dump for PostgreSQL), and small portable "records" files (SQLite with the panel's schema) that
/// carry chosen rows (the homeserver and its bridges) from one panel to another.
/// </summary>
public sealed class PanelDatabaseCopies(IOptions<DatabaseOptions> database, IOptions<PanelOptions> panel)
{
    public bool IsSqlite => !database.Value.IsPostgres;

    /// <summary>
    /// Copies the whole database into a file: SQLite's online backup API gives a consistent copy
    /// while the panel keeps writing. For PostgreSQL, pg_dump (custom format) when it is installed.
    /// Returns a description, or null when the copy could not be made (with the reason in <paramref name="why"/>).
    /// </summary>
    public async Task<bool> CopyAllAsync(string destination, Action<string> why, CancellationToken cancellationToken)
    {
        if (IsSqlite)
        {
            await using var source = new SqliteConnection(PanelDbContextFactory.SqliteConnectionString(database.Value, panel.Value));
            await source.OpenAsync(cancellationToken);
            await using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString());
            await target.OpenAsync(cancellationToken);
            source.BackupDatabase(target);
            return true;
        }

        var csb = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString);
        var info = new ProcessStartInfo("pg_dump") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-Fc", "--no-owner", "-h", csb.Host ?? "localhost", "-p", csb.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", csb.Username ?? "", "-d", csb.Database ?? "", "-f", destination })
        {
            info.ArgumentList.Add(arg);
        }

        // The password goes in the environment of the child only, never on its command line.
        info.Environment["PGPASSWORD"] = csb.Password ?? "";
        try
        {
            using var process = Process.Start(info)!;
            var error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                why($"pg_dump failed: {error.Trim()}");
                return false;
            }

            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why("the panel's database is on PostgreSQL and pg_dump is not installed here: back it up with your PostgreSQL tools");
            return false;
        }
    }

    /// <summary>Writes entities (loaded elsewhere, not tracked) into a new records file with the current schema.</summary>
    public static async Task WriteRecordsAsync(string path, IEnumerable<object> entities, CancellationToken cancellationToken)
    {
        await using var db = Open(path);
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var entity in entities)
        {
            db.Add(entity);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Opens a records file, bringing its schema up to date first (it may come from an older panel).</summary>
    public static async Task<PanelDbContext> OpenRecordsAsync(string path, CancellationToken cancellationToken)
    {
        var db = Open(path);
        await db.Database.MigrateAsync(cancellationToken);
        return db;
    }

    private static SqlitePanelDbContext Open(string path) =>
        new(new DbContextOptionsBuilder<SqlitePanelDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString())
            .Options);
}
