using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence.Postgres;
using Panel.Infrastructure.Persistence.Sqlite;

namespace Panel.Infrastructure.Persistence;

/// <summary>
/// Hands out the provider's own context type behind the common <see cref="PanelDbContext"/>, so that
/// each provider keeps its own migrations while the rest of the code sees one type.
/// </summary>
internal sealed class PanelDbContextFactory : IDbContextFactory<PanelDbContext>
{
    private readonly Lazy<Func<PanelDbContext>> _create;

    public PanelDbContextFactory(IOptions<DatabaseOptions> database, IOptions<PanelOptions> panel, ILoggerFactory loggerFactory)
    {
        // Options are read on first use, not at registration, so that invalid configuration is
        // reported by the startup validation with the key's name.
        _create = new Lazy<Func<PanelDbContext>>(() => Build(database.Value, panel.Value, loggerFactory));
    }

    public PanelDbContext CreateDbContext() => _create.Value();

    public static string SqliteConnectionString(DatabaseOptions database, PanelOptions panel)
    {
        if (!string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return database.ConnectionString;
        }

        Directory.CreateDirectory(panel.DataDirectoryFullPath);
        return $"Data Source={Path.Combine(panel.DataDirectoryFullPath, "panel.db")};Pooling=True";
    }

    private static Func<PanelDbContext> Build(DatabaseOptions database, PanelOptions panel, ILoggerFactory loggerFactory) =>
        database.IsPostgres ? BuildPostgres(database, loggerFactory) : BuildSqlite(database, panel, loggerFactory);

    // Pooled: a context is taken per operation and handed back on dispose, instead of being built
    // (with its internal service scope) for every query; on the API's hot paths (a token check,
    // the homeserver record) that construction was a large part of a call's cost.
    // One method per provider, never inlined: compiling a method loads the assemblies of everything it
    // calls, so one method with both branches loaded the PostgreSQL provider on SQLite (issue 25).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Func<PanelDbContext> BuildPostgres(DatabaseOptions database, ILoggerFactory loggerFactory)
    {
        var options = new DbContextOptionsBuilder<PostgresPanelDbContext>()
            .UseNpgsql(database.ConnectionString)
            .UseLoggerFactory(loggerFactory)
            .Options;
        return new PooledDbContextFactory<PostgresPanelDbContext>(options, PoolSize).CreateDbContext;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Func<PanelDbContext> BuildSqlite(DatabaseOptions database, PanelOptions panel, ILoggerFactory loggerFactory)
    {
        var options = new DbContextOptionsBuilder<SqlitePanelDbContext>()
            .UseSqlite(SqliteConnectionString(database, panel))
            .UseLoggerFactory(loggerFactory)
            .Options;
        return new PooledDbContextFactory<SqlitePanelDbContext>(options, PoolSize).CreateDbContext;
    }

    /// <summary>Contexts kept for reuse; more are made when needed and dropped when handed back.</summary>
    private const int PoolSize = 16;
}
