using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Panel.Infrastructure.Persistence.Postgres;

/// <summary>The PostgreSQL flavour of the panel database; its migrations live beside it.</summary>
public sealed class PostgresPanelDbContext(DbContextOptions<PostgresPanelDbContext> options) : PanelDbContext(options);

/// <summary>Used by <c>dotnet ef</c> only; it never connects.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPanelDbContext>
{
    public PostgresPanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresPanelDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
