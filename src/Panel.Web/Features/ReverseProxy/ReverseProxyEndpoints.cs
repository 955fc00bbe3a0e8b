using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.ReverseProxy;

public static class ReverseProxyEndpoints
{
    public static IServiceCollection AddReverseProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReverseProxyOptions>().Bind(configuration.GetSection(ReverseProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ReverseProxyOptions>, ReverseProxyOptionsValidator>();
        services.AddSingleton<ReverseProxyContainer>();
        services.AddSingleton<ReverseProxyService>();
        return services;
    }

    public static void MapReverseProxyApi(this RouteGroupBuilder api)
    {
        var proxy = api.MapGroup("/homeserver/proxy").WithTags("Homeserver");
        proxy.MapGet("/", (ReverseProxyService service, CancellationToken ct) => service.GetAsync(ct))
            .WithSummary("The reverse proxy (Caddy) the panel can run in front of Synapse: its settings and container; never the key");
        proxy.MapPut("/", async (ProxyRequest request, ReverseProxyService service, HomeserverOperations operations, ActorContext actor, CancellationToken ct) =>
            {
                await service.ApplyAsync(request, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver", operations.Current);
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Run the proxy (or change it): certificate 'automatic' (ACME, with acmeEmail) or 'provided' (certificatePem and keyPem); applied as an operation");
        proxy.MapDelete("/", async (ReverseProxyService service, HomeserverOperations operations, ActorContext actor, CancellationToken ct) =>
            {
                await service.DisableAsync(await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver", operations.Current);
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Stop running the proxy: its container is removed");
    }
}
