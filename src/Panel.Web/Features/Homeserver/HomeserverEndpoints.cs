using Panel.Domain.Federation;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Homeserver;

internal static class HomeserverEndpoints
{
    public sealed record UpgradeRequest(string? Image);

    public static RouteGroupBuilder MapHomeserverApi(this RouteGroupBuilder api)
    {
        var hs = api.MapGroup("/homeserver").WithTags("Homeserver");
        hs.MapGet("/", (HomeserverService service, CancellationToken ct) => service.GetAsync(ct))
            .WithSummary("The desired settings, the observed status (health reads 'healthy' once Synapse answers /health) and the running operation");
        hs.MapGet("/images", async (HomeserverService service, string? contains, CancellationToken ct) =>
                new { synapse = await service.LocalImagesAsync(contains ?? "synapse", ct), postgres = await service.LocalImagesAsync("postgres", ct) })
            .WithSummary("Images on this machine that look like Synapse or PostgreSQL");
        hs.MapPost("/install", async (InstallRequest body, HomeserverService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.InstallAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver", await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Install a homeserver; answers at once, progress is in GET /api/v1/homeserver");
        hs.MapPost("/attach", async (AttachRequest body, HomeserverService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.AttachAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Ok(await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Attach an existing homeserver (base URL plus an admin token or the shared secret), optionally with its container for monitoring");
        hs.MapPost("/start", (HomeserverService service, ActorContext actor) => RunAsync(service, actor, (s, a) => s.StartAsync(a, CancellationToken.None)))
            .WithSummary("Start PostgreSQL and Synapse");
        hs.MapPost("/stop", (HomeserverService service, ActorContext actor) => RunAsync(service, actor, (s, a) => s.StopAsync(a, CancellationToken.None)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Stop Synapse and PostgreSQL (the restart policy no longer brings them back)");
        hs.MapPost("/restart", (HomeserverService service, ActorContext actor) => RunAsync(service, actor, (s, a) => s.RestartAsync(a, CancellationToken.None)))
            .WithSummary("Restart Synapse");
        hs.MapPost("/upgrade", (UpgradeRequest body, HomeserverService service, ActorContext actor) => RunAsync(service, actor, (s, a) => s.UpgradeAsync(body.Image, a, CancellationToken.None)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Recreate Synapse with another image; rolls back when it does not become healthy");
        hs.MapGet("/logs", async (HomeserverService service, int? tail, CancellationToken ct) =>
                TypedResults.Ok(new HomeserverLogs(await service.GetLogsAsync(tail ?? 200, ct))))
            .WithSummary("The last lines of Synapse's log (tail between 1 and 10000, default 200)");
        hs.MapGet("/memory-profile", (HomeserverMemory memory, CancellationToken ct) => memory.GetAsync(ct))
            .WithSummary("The memory settings in force, the profiles computed for this limit and host (one recommended), and whether Synapse runs with jemalloc");
        hs.MapPut("/memory-profile", async (MemoryProfileRequest body, HomeserverMemory memory, HomeserverService service, ActorContext actor, CancellationToken ct) =>
            {
                await memory.StartApplyAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver", await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Apply a profile (Small, Balanced, Roomy, or Custom with its settings): rewrites homeserver.yaml, reloads or restarts Synapse, rolls back if it does not come back");
        hs.MapGet("/memory-profile/history", (MemoryChanges changes, int? limit, CancellationToken ct) => changes.HistoryAsync(limit ?? 50, ct))
            .WithSummary("Each profile change, newest first, with Synapse's memory (median and p95) over a window before and after it, how comparable the two windows were (requests, syncs, rooms), and the difference");
        hs.MapDelete("/", async (HomeserverService service, ActorContext actor, bool? deleteData, string? confirmServerName, CancellationToken ct) =>
            {
                await service.UninstallAsync(deleteData ?? false, confirmServerName, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver", await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Uninstall; data is kept unless deleteData=true and confirmServerName is the server name");
        hs.MapGet("/workers", (WorkerModeService service, CancellationToken ct) => service.GetAsync(ct))
            .WithSummary("The processes Synapse runs as: the main one, and its workers in worker mode");
        hs.MapPut("/workers", async (WorkersRequest request, WorkerModeService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.ApplyAsync(request, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver/workers", await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Worker mode: genericWorkers (0-8), federationSender, mediaWorker, workerMemoryLimitMb, swarm (workers as Swarm services); all off is the monolith. Applied after a backup, rolled back if it does not become healthy");
        hs.MapPut("/workers/image", async (WorkerImageRequest request, WorkerModeService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RollOutImageAsync(request, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver/workers", await service.GetAsync(ct));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Swarm mode: a rolling update of the workers' services to image, one at a time; Swarm rolls back a service whose new task fails, and the panel puts the others back");
        return api;
    }

    private static async Task<IResult> RunAsync(HomeserverService service, ActorContext actor, Func<HomeserverService, AuditActor, Task> action)
    {
        await action(service, await actor.GetAsync());
        return TypedResults.Accepted("/api/v1/homeserver", await service.GetAsync(CancellationToken.None));
    }

    /// <summary>
    /// Matrix delegation: <c>/.well-known/matrix/server</c> and <c>/client</c> for the configured server,
    /// so that a reverse proxy can send these two paths of the server name's host to the panel.
    /// </summary>
    public static IEndpointRouteBuilder MapWellKnown(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/.well-known/matrix/{kind}", ["GET", "HEAD", "OPTIONS"], async (string kind, HttpContext context, HomeserverService service, CancellationToken ct) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
            context.Response.Headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                return Results.NoContent();
            }

            var d = await service.GetDeploymentAsync(ct);
            if (d is null || d.Phase == InstallPhase.Uninstalled || kind is not ("server" or "client"))
            {
                return Results.NotFound();
            }

            return Results.Text(kind == "server" ? MatrixDiscovery.ServerJson(d.PublicBaseUrl) : MatrixDiscovery.ClientJson(d.PublicBaseUrl), "application/json");
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
