using Panel.Web.Api;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Bridges;

internal static class BridgesEndpoints
{
    public static RouteGroupBuilder MapBridgesApi(this RouteGroupBuilder api)
    {
        var bridges = api.MapGroup("/bridges").WithTags("Bridges");
        bridges.MapGet("/catalog", (BridgesService service, CancellationToken ct) => service.GetCatalogAsync(ct))
            .WithSummary("The bridges the panel can install: image, port, settings to give, database, bot and login instructions");
        bridges.MapGet("/", (BridgesService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("The installed bridges with their status");
        bridges.MapPost("/", async (BridgeInstallRequest body, BridgesService service, ActorContext actor, CancellationToken ct) =>
            {
                var id = await service.InstallAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/bridges/{id}", new ActionStarted(id, "installing"));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Install a bridge from the catalog ({\"catalogId\": \"echo\", \"settings\": {}, \"owner\": \"@you:server\"}); answers at once with its id, progress is in GET /api/v1/bridges/{id}");
        bridges.MapGet("/{id:guid}", (Guid id, BridgesService service, CancellationToken ct) => service.GetAsync(id, ct))
            .WithSummary("A bridge: status (running once ready), health (the homeserver's ping), CPU and memory share, the running operation, last log lines when it crashed");
        bridges.MapGet("/{id:guid}/logs", async (Guid id, int? tail, BridgesService service, CancellationToken ct) =>
                TypedResults.Ok(new { lines = await service.GetLogsAsync(id, tail ?? 200, ct) }))
            .WithSummary("The last lines of the bridge's log (tail between 1 and 5000, default 200)");
        bridges.MapPost("/{id:guid}/restart", async (Guid id, BridgesService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RestartAsync(id, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/bridges/{id}", await service.GetAsync(id, ct));
            })
            .WithSummary("Restart the bridge and wait until the homeserver reaches it");
        bridges.MapPost("/{id:guid}/upgrade", async (Guid id, BridgeUpgradeRequest body, BridgesService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.UpgradeAsync(id, body.Image, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/bridges/{id}", await service.GetAsync(id, ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Recreate the bridge with another image (default: the catalog's); rolls back when it does not become ready");
        bridges.MapDelete("/{id:guid}", async (Guid id, bool? deleteData, string? confirm, BridgesService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.UninstallAsync(id, deleteData ?? false, confirm, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/bridges/{id}", new ActionStarted(id, "uninstalling"));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Uninstall: removes the container and the registration and restarts Synapse; the data is kept unless deleteData=true and confirm is the bridge's catalog id");
        return api;
    }
}
