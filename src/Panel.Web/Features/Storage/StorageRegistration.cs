using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Storage;

public static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.AddSingleton<SynapseDatabase>();
        services.AddSingleton<StorageInspector>();
        services.AddSingleton<PurgeCounter>();
        services.AddSingleton<StorageService>();
        services.AddSingleton<MediaRetentionSettings>();
        services.AddSingleton<DatabaseMaintenance>();
        services.AddSingleton<StorageWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageWatch>());
        return services;
    }
}
