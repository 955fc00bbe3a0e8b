using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Storage;

internal static class StorageEndpoints
{
    public static RouteGroupBuilder MapStorageApi(this RouteGroupBuilder api)
    {
        var storage = api.MapGroup("/storage").WithTags("Storage");
        storage.MapGet("/", (StorageService service, bool? refresh, CancellationToken ct) => service.ReportAsync(refresh ?? false, ct))
            .WithSummary("Where the homeserver's bytes are: the largest tables and rooms, media by user and from other servers, growth a day, background updates");
        storage.MapPost("/remote-media/purge", async (RemoteMediaPurgeRequest body, StorageService service, ActorContext actor, CancellationToken ct) =>
                body.DryRun
                    ? Results.Ok(await service.PurgeRemoteMediaAsync(body, await actor.GetAsync(), ct))
                    : Results.Accepted("/api/v1/homeserver", await service.PurgeRemoteMediaAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Purge cached copies of other servers' media unused for olderThanDays (dryRun: only say what would go); runs as an operation");
        storage.MapGet("/remote-media/purge", (StorageService service) => service.LastPurge is { } last ? Results.Ok(last) : Results.NoContent())
            .WithSummary("The last purge's figures: files deleted, the estimate, and the media store measured before and after");
        return api;
    }
}
