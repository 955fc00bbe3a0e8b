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
        storage.MapPost("/abandoned-rooms/remove", async (AbandonedRoomsRequest body, StorageService service, ActorContext actor, CancellationToken ct) =>
                Results.Accepted("/api/v1/rooms/operations", await service.RemoveAbandonedAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Remove rooms no member of this server is in any more (listed in GET /api/v1/storage); each is checked again first; confirm: true");
        storage.MapGet("/vacuum", (DatabaseMaintenance maintenance, bool? full, CancellationToken ct) => maintenance.PlanAsync(full ?? false, ct))
            .WithSummary("What a vacuum would take: the database, its largest table, the free disk it needs, and whether a backup runs first");
        storage.MapPost("/vacuum", async (VacuumRequest body, DatabaseMaintenance maintenance, ActorContext actor, CancellationToken ct) =>
                Results.Accepted("/api/v1/homeserver", await maintenance.StartAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("VACUUM (ANALYZE) online on PostgreSQL, or with full: true (and confirm: true) VACUUM FULL with Synapse stopped, after a backup when the last is over an hour old");
        storage.MapGet("/media-retention", (MediaRetentionSettings settings, CancellationToken ct) => settings.GetAsync(ct))
            .WithSummary("How long Synapse keeps media unused: other servers' copies and this server's uploads (null: forever)");
        storage.MapPut("/media-retention", async (MediaRetentionRequest body, MediaRetentionSettings settings, ActorContext actor, CancellationToken ct) =>
            {
                await settings.ApplyAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver");
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Set media_retention (Synapse restarts, and rolls back if it does not come up healthy); deleting this server's uploads needs confirm: true");
        return api;
    }
}
