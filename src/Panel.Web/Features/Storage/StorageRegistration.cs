namespace Panel.Web.Features.Storage;

public static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddSingleton<SynapseDatabase>();
        services.AddSingleton<StorageInspector>();
        services.AddSingleton<StorageService>();
        return services;
    }
}
