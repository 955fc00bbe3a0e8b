using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Capacity;

public static class CapacityRegistration
{
    public static IServiceCollection AddCapacity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CapacityOptions>().Bind(configuration.GetSection(CapacityOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CapacityOptions>, CapacityOptionsValidator>());
        services.AddSingleton<CapacitySnapshots>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacitySnapshots>());
        services.AddSingleton<CapacityService>();
        services.AddSingleton<MonthlyReport>();
        services.AddHostedService(sp => sp.GetRequiredService<MonthlyReport>());
        return services;
    }
}
