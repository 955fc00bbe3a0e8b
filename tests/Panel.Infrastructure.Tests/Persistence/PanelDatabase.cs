using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Persistence;

/// <summary>A migrated panel database on one provider, for the persistence cases.</summary>
public abstract class PanelDatabase : IAsyncLifetime
{
    public IDbContextFactory<PanelDbContext> Contexts { get; private set; } = default!;

    public abstract string Provider { get; }

    protected abstract Task<DatabaseOptions> CreateAsync();

    public async ValueTask InitializeAsync()
    {
        var options = await CreateAsync();
        Contexts = new PanelDbContextFactory(Options.Create(options), Options.Create(new PanelOptions { DataDirectory = DataDirectory }), NullLoggerFactory.Instance);
        await new DatabaseMigrator(Contexts, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    protected string DataDirectory { get; } = TestEnvironment.NewTempDirectory("panel-db");

    public virtual ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

public sealed class SqliteDatabase : PanelDatabase
{
    public override string Provider => DatabaseProviders.Sqlite;

    protected override Task<DatabaseOptions> CreateAsync() => Task.FromResult(new DatabaseOptions { Provider = DatabaseProviders.Sqlite });
}

public sealed class PostgresPanelDatabase : PanelDatabase
{
    private readonly PostgresDatabase _database = new();

    public override string Provider => DatabaseProviders.Postgres;

    protected override async Task<DatabaseOptions> CreateAsync()
    {
        await _database.InitializeAsync();
        return new DatabaseOptions { Provider = DatabaseProviders.Postgres, ConnectionString = _database.ConnectionString };
    }

    public override async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await base.DisposeAsync();
    }
}
