using Panel.Domain.Backups;
using Panel.Web.Api;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Backups;

internal static class BackupsEndpoints
{
    public sealed record VerifyRequest(string? Passphrase);

    public static RouteGroupBuilder MapBackupsApi(this RouteGroupBuilder api)
    {
        var backups = api.MapGroup("/backups").WithTags("Backups");
        backups.MapGet("/", (BackupsService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("The backups, newest first, with status, size and duration (sets copied into the backup directory appear too)");
        backups.MapPost("/", async (BackupsService service, ActorContext actor, CancellationToken ct) =>
            {
                var id = await service.StartAsync(BackupTrigger.Manual, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/backups/{id}", new ActionStarted(id, "running"));
            })
            .WithSummary("Take a backup now; answers at once with its id, progress is in GET /api/v1/backups/{id} (status becomes completed)");
        backups.MapGet("/{id:guid}", (Guid id, BackupsService service, CancellationToken ct) => service.GetAsync(id, ct))
            .WithSummary("One backup: status (running, completed or failed), size, duration, contents, and the running operation's steps");
        backups.MapPost("/{id:guid}/verify", async (Guid id, VerifyRequest? body, BackupsService service, CancellationToken ct) =>
                TypedResults.Ok(new { result = await service.VerifyAsync(id, body?.Passphrase, ct) }))
            .WithSummary("Check a backup against its manifest (and its passphrase) without restoring it");
        backups.MapPost("/{id:guid}/restore", async (Guid id, RestoreRequest body, BackupsService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RestoreAsync(id, body, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/backups/{id}", new ActionStarted(id, "restoring"));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Restore: checks the set, restores into new volumes, switches the homeserver over and checks it is healthy, or goes back to the previous data; confirmServerName must be the backup's server name");
        backups.MapDelete("/{id:guid}", async (Guid id, BackupsService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Delete a backup set from disk");
        backups.MapGet("/settings", (BackupsService service, CancellationToken ct) => service.GetSettingsAsync(ct))
            .WithSummary("The schedule, the retention and whether backups are encrypted");
        backups.MapPut("/settings", async (BackupSettingsRequest body, BackupsService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(await service.SaveSettingsAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Change the schedule (cron), the retention (daily, weekly, monthly) or the encryption passphrase");
        return api;
    }
}
