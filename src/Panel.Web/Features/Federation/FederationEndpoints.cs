namespace Panel.Web.Features.Federation;

public static class FederationEndpoints
{
    public sealed record CheckRequest(string? ServerName);

    public static IServiceCollection AddFederationCheck(this IServiceCollection services, IConfiguration configuration)
    {
        Panel.Infrastructure.Federation.FederationExtensions.AddFederationProbe(services, configuration);
        services.AddSingleton<FederationCheckService>();
        services.AddSingleton<DestinationsService>();
        services.AddSingleton<FederationWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<FederationWatcher>());
        return services;
    }

    public static void MapFederationApi(this RouteGroupBuilder api)
    {
        var federation = api.MapGroup("/federation").WithTags("Federation");
        federation.MapPost("/check", (CheckRequest? body, FederationCheckService service, CancellationToken ct) => service.CheckAsync(body?.ServerName, ct))
            .WithSummary("Check how other servers reach this homeserver (or the named one): DNS, delegation, TLS, federation API, signed keys, client discovery");
        federation.MapGet("/destinations", (DestinationsService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("The servers this one federates with, failing ones first, with their back-off and (for failing ones) the rooms shared");
        federation.MapPost("/destinations/{destination}/retry", async (string destination, DestinationsService service, Panel.Web.Features.Audit.ActorContext actor, CancellationToken ct) =>
            {
                await service.RetryAsync(destination, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("End a destination's back-off: Synapse tries it now");
        federation.MapGet("/check", async (FederationCheckService service, CancellationToken ct) => await service.LastAsync(ct) is { } last ? Results.Ok(last) : Results.NoContent())
            .WithSummary("The last check of this homeserver (kept across restarts; 204 when none)");
    }
}
