using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Panel.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>
    /// The panel database: a context factory (one context per operation, as Blazor Server needs), a
    /// scoped context for ASP.NET Identity's stores, and the migrator that runs at startup.
    /// </summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services)
    {
        services.AddSingleton<IDbContextFactory<PanelDbContext>, PanelDbContextFactory>();
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<PanelDatabaseCopies>();
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator>());
        return services;
    }
}
