using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Panel.Infrastructure.Configuration;

public static class ConfigurationExtensions
{
    /// <summary>Binds and validates the panel's core options; invalid values stop startup.</summary>
    public static IServiceCollection AddPanelOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PanelOptions>().Bind(configuration.GetSection(PanelOptions.Section)).ValidateOnStart();
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .Configure(o => o.ConnectionString ??= configuration.GetConnectionString("Panel"))
            .ValidateOnStart();
        services.AddOptions<DockerOptions>().Bind(configuration.GetSection(DockerOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PanelOptions>, PanelOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DockerOptions>, DockerOptionsValidator>());
        return services;
    }
}
