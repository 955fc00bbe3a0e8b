using Panel.Domain.Common;
using Panel.Web.Features.Accounts;

namespace Panel.Web.Features.Capacity;

internal static class CapacityEndpoints
{
    public static RouteGroupBuilder MapCapacityApi(this RouteGroupBuilder api)
    {
        api.MapGet("/verdict", (CapacityService capacity, CancellationToken ct) => capacity.ReportAsync(ct))
            .WithTags("Capacity")
            .WithSummary("Keep self-hosting? The verdict and its reasons, costs, who pays, headroom and the forecast for one more friend, each figure with its source and date");
        api.MapPost("/forecast", (ForecastRequest body, CapacityService capacity, CancellationToken ct) => capacity.ForecastAsync(body, ct))
            .WithTags("Capacity")
            .WithSummary("What more users like the current ones, or joining rooms (by ID or alias), would cost in memory, with its uncertainty and whether it fits; an unknown room is a 404");
        var snapshots = api.MapGroup("/capacity/snapshots").WithTags("Capacity");
        snapshots.MapGet("/", async (CapacitySnapshots store, int? days, CancellationToken ct) =>
                (await store.SinceAsync(DateTimeOffset.UtcNow.AddDays(-Math.Clamp(days ?? 30, 1, 400)), ct)).Select(CapacitySnapshotView.Of).ToList())
            .WithSummary("The server's shape beside Synapse's memory, one snapshot an interval (hourly by default)");
        snapshots.MapPost("/", async (CapacitySnapshots store, CancellationToken ct) =>
                await store.TakeAsync(ct) is { } taken ? Results.Ok(CapacitySnapshotView.Of(taken)) : throw new ConflictException("There is no installed homeserver to measure."))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Take a snapshot now (after a change, rather than waiting for the next one)");
        return api;
    }
}
