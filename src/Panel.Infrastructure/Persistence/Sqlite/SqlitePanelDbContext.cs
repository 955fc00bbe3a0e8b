using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Panel.Infrastructure.Persistence.Sqlite;

/// <summary>The SQLite flavour of the panel database; its migrations live beside it.</summary>
public sealed class SqlitePanelDbContext(DbContextOptions<SqlitePanelDbContext> options) : PanelDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: as text, DateTimeOffset values cannot be compared or ordered in
        // queries. Stored as a 64-bit number they can, and every time the panel writes is UTC.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>Used by <c>dotnet ef</c> only.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePanelDbContext>
{
    public SqlitePanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlitePanelDbContext>().UseSqlite("Data Source=design.db").Options);
}
