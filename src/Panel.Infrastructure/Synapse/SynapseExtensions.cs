using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

public static class SynapseExtensions
{
    /// <summary>How the panel's own calls show in Synapse's access log (they are not the homeserver's users' requests).</summary>
    public const string UserAgent = "HomeserverPanel/1.0";

    /// <summary>The Synapse admin API adapter behind <see cref="IHomeserverAdminFactory"/>.</summary>
    public static IServiceCollection AddSynapse(this IServiceCollection services)
    {
        services.AddHttpClient(SynapseAdminFactory.HttpClientName, c =>
        {
            c.Timeout = TimeSpan.FromSeconds(60);
            c.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        });
        services.AddSingleton<IHomeserverAdminFactory, SynapseAdminFactory>();
        services.AddSingleton<Panel.Domain.History.IHistoryWriterFactory, SynapseHistoryWriterFactory>();
        return services;
    }
}
