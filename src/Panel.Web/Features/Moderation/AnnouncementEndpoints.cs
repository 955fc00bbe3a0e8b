using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Moderation;

/// <summary>Announcements and house rules are for Admins and the Owner: they speak for the server to everyone on it.</summary>
internal static class AnnouncementEndpoints
{
    public sealed record AnnouncementRequest(string? Text, string? Audience);

    /// <summary>The rules; <see cref="AskAgain"/> announces a change to everyone with a link to accept it.</summary>
    public sealed record RulesRequest(string? Markdown, bool AskAgain = false);

    public static RouteGroupBuilder MapAnnouncementsApi(this RouteGroupBuilder api)
    {
        var announcements = api.MapGroup("/announcements").WithTags("Announcements");
        announcements.MapGet("/", (AnnouncementService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("Announcements, newest first, with how many were sent");
        announcements.MapPost("/preview", (AnnouncementRequest body, AnnouncementService service, CancellationToken ct) => service.PreviewAsync(body.Text, body.Audience, ct))
            .WithSummary("What an announcement would say and how many people it would reach (audience: empty for everyone, or a room id)");
        announcements.MapPost("/", async (AnnouncementRequest body, AnnouncementService service, ActorContext actor, CancellationToken ct) =>
            {
                var started = await service.StartAsync(body.Text, body.Audience, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/announcements/{started.Id}", started);
            })
            .WithSummary("Send a server notice to every local user, or to a room's local members, in batches");
        announcements.MapGet("/{id:guid}", (Guid id, AnnouncementService service, CancellationToken ct) => service.GetAsync(id, ct))
            .WithSummary("One announcement and its progress");
        announcements.MapPost("/{id:guid}/pause", async (Guid id, AnnouncementService service, ActorContext actor, CancellationToken ct) =>
                await service.PauseAsync(id, await actor.GetAsync(), ct))
            .WithSummary("Pause after the current batch");
        announcements.MapPost("/{id:guid}/resume", async (Guid id, AnnouncementService service, ActorContext actor, CancellationToken ct) =>
                await service.ResumeAsync(id, await actor.GetAsync(), ct))
            .WithSummary("Send what is left; nobody gets it twice");

        var rules = api.MapGroup("/rules").WithTags("House rules");
        rules.MapGet("/", (HouseRulesService service, CancellationToken ct) => service.GetAsync(ct))
            .WithSummary("The house rules (Markdown and HTML) and their version");
        rules.MapPut("/", async (RulesRequest body, HouseRulesService service, Site.PublicAddressService address, HttpContext http, ActorContext actor, CancellationToken ct) =>
                await service.SaveAsync(body.Markdown, body.AskAgain, (await address.ResolveAsync(http, ct)).BaseUrl, await actor.GetAsync(), ct))
            .WithSummary("Set the house rules (Markdown; empty: none). Friends accept them before their account is made");
        return api;
    }
}
