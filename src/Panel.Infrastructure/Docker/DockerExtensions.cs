using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

public static class DockerExtensions
{
    /// <summary>The Docker Engine adapter: a cached client for <c>Panel:Docker:Endpoint</c> and the operations on it.</summary>
    public static IServiceCollection AddDocker(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DockerClientFactory>();
        services.AddSingleton<IDockerEngineProbe, DockerEngineProbe>();
        services.AddSingleton<DockerContainerRuntime>();
        services.AddSingleton<IContainerRuntime>(sp => sp.GetRequiredService<DockerContainerRuntime>());
        services.AddSingleton<ISwarmRuntime>(sp => sp.GetRequiredService<DockerContainerRuntime>());
        return services;
    }
}
