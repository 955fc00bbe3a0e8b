using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Homeserver;

public static class HomeserverRegistration
{
    public static IServiceCollection AddHomeserver(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HomeserverOptions>().Bind(configuration.GetSection(HomeserverOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HomeserverOptions>, HomeserverOptionsValidator>());
        services.AddSingleton<HomeserverNames>();
        services.AddSingleton<HomeserverEndpoint>();
        services.AddSingleton<HomeserverOperations>();
        services.AddSingleton<HomeserverContainers>();
        services.AddSingleton<HomeserverInstaller>();
        services.AddSingleton<HomeserverAccess>();
        services.AddSingleton<HomeserverLifecycle>();
        services.AddSingleton<HomeserverMemory>();
        services.AddSingleton<SynapseWorkerContainers>();
        services.AddSingleton<SwarmWorkerServices>();
        services.AddSingleton<WorkerProcesses>();
        services.AddSingleton<SwarmStatus>();
        services.AddSingleton<WorkerModeService>();
        services.AddSingleton<MemoryChanges>();
        services.AddSingleton<MemoryIncidents>();
        services.AddHostedService(sp => sp.GetRequiredService<MemoryChanges>());
        services.AddSingleton<HomeserverService>();
        services.AddSingleton<ContainerEventFeed>();
        services.AddSingleton<HomeserverReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<HomeserverReconciler>());
        return services;
    }
}
