using Panel.Domain.Moderation;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Moderation;

/// <summary>
/// The moderation API: open to Moderators as well as Admins and the Owner, and to nothing else of
/// the server (its own group, outside the Admin-only /api/v1 group).
/// </summary>
internal static class ModerationEndpoints
{
    public sealed record ReasonRequest(string? Reason);

    public sealed record DeactivateRequest(bool Erase = false);

    public sealed record RedactUserRequest(string? Reason, int Limit = 1000);

    public sealed record QuarantineRequest(string? Mxc, string? RoomId, string? UserId);

    public sealed record ReleaseRequest(string? Mxc);

    public sealed record ShadowBanRequest(bool Banned);

    public sealed record RateLimitRequest(int? MessagesPerSecond, int? BurstCount);

    public static void MapModerationApi(this IEndpointRouteBuilder app)
    {
        var moderation = app.MapGroup("/api/v1/moderation").WithTags("Moderation").RequireAuthorization(PanelPolicies.ApiModerate);
        moderation.MapGet("/reports", (ModerationService service, int? from, int? limit, CancellationToken ct) => service.ListReportsAsync(from ?? 0, limit ?? 50, ct))
            .WithSummary("Reports users made about messages, newest first, with the reported message");
        moderation.MapGet("/reports/{id:long}", (long id, ModerationService service, CancellationToken ct) => service.GetReportAsync(id, ct))
            .WithSummary("One report");
        moderation.MapDelete("/reports/{id:long}", async (long id, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DismissAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Dismiss a report (it leaves Synapse's list)");
        moderation.MapPost("/reports/{id:long}/redact", async (long id, ReasonRequest? body, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RedactReportedAsync(id, body?.Reason, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Redact the reported message and close the report");
        moderation.MapPost("/reports/{id:long}/deactivate-sender", async (long id, DeactivateRequest? body, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DeactivateSenderAsync(id, body?.Erase ?? false, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Deactivate the sender (an account of this server) and close the report");
        moderation.MapPost("/reports/{id:long}/block-room", async (long id, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.BlockRoomAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Block the reported message's room and close the report");
        moderation.MapPost("/users/{userId}/redact", async (string userId, RedactUserRequest? body, ModerationService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Accepted((string?)null, new { redactionId = await service.RedactUserEventsAsync(userId, body?.Reason, body?.Limit ?? 1000, await actor.GetAsync(), ct) }))
            .WithSummary("Start redacting a local user's recent messages in every room; follow it with /moderation/redactions/{id}");
        moderation.MapGet("/redactions/{id}", (string id, ModerationService service, CancellationToken ct) => service.RedactionStatusAsync(id, ct))
            .WithSummary("The status of a user redaction (scheduled, active, completed, failed) and the events it could not redact");
        moderation.MapPost("/quarantine", async (QuarantineRequest body, ModerationService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(new { quarantined = await service.QuarantineAsync(body.Mxc, body.RoomId, body.UserId, await actor.GetAsync(), ct) }))
            .WithSummary("Quarantine media: one item (mxc), a room's, or a local user's");
        moderation.MapGet("/quarantine", async (ModerationService service, CancellationToken ct) =>
                TypedResults.Ok((await service.QuarantinedAsync(ct)).Select(m => m.ToString())))
            .WithSummary("Every media item in quarantine (mxc:// addresses), oldest first");
        moderation.MapPost("/quarantine/release", async (ReleaseRequest body, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.ReleaseAsync(body.Mxc ?? "", await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Let one media item be downloaded again");
        moderation.MapGet("/users/{userId}/media", (string userId, ModerationService service, CancellationToken ct) => service.UserMediaAsync(userId, ct))
            .WithSummary("A local user's uploads, quarantined ones marked");
        moderation.MapPut("/users/{userId}/shadow-ban", async (string userId, ShadowBanRequest body, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.SetShadowBanAsync(userId, body.Banned, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Shadow-ban a local user (their messages reach nobody, without telling them), or lift it");
        moderation.MapGet("/users/{userId}/rate-limit", async (string userId, ModerationService service, CancellationToken ct) =>
                TypedResults.Ok(await service.GetRateLimitAsync(userId, ct)))
            .WithSummary("A local user's own message rate limit (null: the server's default)");
        moderation.MapPut("/users/{userId}/rate-limit", async (string userId, RateLimitRequest body, ModerationService service, ActorContext actor, CancellationToken ct) =>
            {
                var limit = body.MessagesPerSecond is null && body.BurstCount is null ? null : new RateLimitOverride(body.MessagesPerSecond ?? 0, body.BurstCount ?? 0);
                await service.SetRateLimitAsync(userId, limit, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Set a local user's message rate limit (both empty: back to the server's default; 0 and 0: no limit)");
    }
}
