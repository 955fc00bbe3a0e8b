using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Monitoring;

internal static class MonitoringEndpoints
{
    public sealed record MemoryLimitRequest(long Bytes);

    public sealed record WatchRequest(string? Name);

    /// <summary>Before a time (<c>Before</c>), or older than some days; <c>DryRun</c> only counts what would go.</summary>
    public sealed record PurgeRequest(int OlderThanDays = 30, bool DeleteLocalEvents = false, DateTimeOffset? Before = null, bool DryRun = false);

    public sealed record AlertSettingsRequest(int MemoryPercent = 90, int MemoryMinutes = 5, int UnhealthyMinutes = 2, string? NotifyMatrixUserId = null);

    public static RouteGroupBuilder MapMonitoringApi(this RouteGroupBuilder api)
    {
        var metrics = api.MapGroup("/metrics").WithTags("Monitoring");
        metrics.MapGet("/summary", (MonitoringService service, bool? refresh, CancellationToken ct) => service.SummaryAsync(refresh ?? false, ct))
            .WithSummary("Latest CPU, memory, network and disk per container, host figures, and the homeserver's own figures");
        metrics.MapGet("/containers/{component}", (string component, string? range, MonitoringService service, CancellationToken ct) => service.SeriesAsync(component, range ?? "1h", ct))
            .WithSummary("A time series (range 1h, 24h, 30d or 365d) of one container: homeserver, database, or a container name; gaps are null");
        metrics.MapPut("/containers/{component}/memory-limit", async (string component, MemoryLimitRequest body, MonitoringService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.SetMemoryLimitAsync(component, body.Bytes, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Change a managed container's memory limit live");
        metrics.MapGet("/watched", (MonitoringService service, CancellationToken ct) => service.WatchedAsync(ct))
            .WithSummary("Containers the panel watches besides its own");
        metrics.MapPost("/watched", async (WatchRequest body, MonitoringService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.WatchAsync(body.Name ?? "", await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Watch another container (read-only)");
        metrics.MapDelete("/watched/{name}", async (string name, MonitoringService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.UnwatchAsync(name, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Stop watching a container");

        api.MapGet("/events", (TimelineRecorder timeline, DateTimeOffset? before, int? limit, string? kind, CancellationToken ct) =>
                timeline.QueryAsync(before, limit ?? 100, kind, ct))
            .WithTags("Monitoring").WithSummary("The timeline: container events and alerts, newest first");
        api.MapGet("/alerts", (AlertService alerts) => alerts.Active).WithTags("Monitoring").WithSummary("Alerts that are active now");
        api.MapGet("/alerts/settings", (AlertService alerts, CancellationToken ct) => alerts.GetSettingsAsync(ct)).WithTags("Monitoring").WithSummary("When alerts are raised");
        api.MapPut("/alerts/settings", async (AlertSettingsRequest body, AlertService alerts, ActorContext actor, CancellationToken ct) =>
                await alerts.SaveSettingsAsync(body.MemoryPercent, body.MemoryMinutes, body.UnhealthyMinutes, body.NotifyMatrixUserId, await actor.GetAsync(), ct))
            .RequireAuthorization(PanelPolicies.ApiOwner).WithTags("Monitoring").WithSummary("Change when alerts are raised and whom they notify");

        var rooms = api.MapGroup("/rooms").WithTags("Rooms");
        rooms.MapGet("/", (RoomsService service, string? orderBy, int? from, int? limit, string? search, CancellationToken ct) => service.ListAsync(orderBy, from ?? 0, limit ?? 50, ct, search))
            .WithSummary("Rooms ranked by cost (orderBy stateEvents, joinedMembers, localMembers or size; search: part of a name, or a whole alias or room id)");
        rooms.MapPost("/{roomId}/purge", async (string roomId, PurgeRequest? body, RoomsService service, ActorContext actor, CancellationToken ct) =>
                await PurgeAsync(roomId, body ?? new PurgeRequest(), service, actor, ct))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Purge history before a time (before) or older than N days (olderThanDays), keeping this server's users' messages unless deleteLocalEvents; dryRun counts what would go; otherwise answers at once with an operation to poll");
        rooms.MapDelete("/{roomId}", async (string roomId, bool? block, RoomsService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Accepted("/api/v1/rooms/operations", await service.StartDeleteAsync(roomId, block ?? false, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Remove a room from the server; answers at once with an operation to poll");
        rooms.MapGet("/operations", (RoomsService service) => service.Operations).WithSummary("Purges and removals, with before and after figures");
        rooms.MapGet("/operations/{id:guid}", (Guid id, RoomsService service) =>
                service.GetOperation(id) is { } op ? Results.Ok(op) : Api.Problems.NotFound("There is no such room operation."))
            .WithSummary("One purge or removal");
        return api;
    }

    private static async Task<IResult> PurgeAsync(string roomId, PurgeRequest body, RoomsService service, ActorContext actor, CancellationToken ct)
    {
        var before = service.PurgePoint(body.Before, body.OlderThanDays);
        return body.DryRun
            ? TypedResults.Ok(await service.EstimatePurgeAsync(roomId, before, body.DeleteLocalEvents, ct))
            : TypedResults.Accepted("/api/v1/rooms/operations", await service.StartPurgeAsync(roomId, before, body.DeleteLocalEvents, await actor.GetAsync(), ct));
    }
}
