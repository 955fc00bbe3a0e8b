using Panel.Infrastructure.Bridges;

namespace Panel.Web.Features.Bridges;

/// <summary>The bridges feature's services, options and background workers.</summary>
public static class BridgesRegistration
{
    public static IServiceCollection AddBridges(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBridgeCatalog(configuration);
        services.AddSingleton<BridgeRecords>();
        services.AddSingleton<BridgeDatabases>();
        services.AddSingleton<BridgeContainer>();
        services.AddSingleton<BridgeInstaller>();
        services.AddSingleton<BridgesService>();
        return services;
    }
}
