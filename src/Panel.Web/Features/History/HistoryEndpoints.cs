using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Panel.Domain.Common;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.History;

internal static class HistoryEndpoints
{
    public static RouteGroupBuilder MapHistoryApi(this RouteGroupBuilder api)
    {
        var slack = api.MapGroup("/history/slack").WithTags("History");
        slack.MapPost("/", async (HttpContext http, SlackImports imports, ActorContext actor, string? fileName, CancellationToken ct) =>
            {
                var view = await UploadAsync(http, imports, await actor.GetAsync(), fileName, ct);
                return TypedResults.Created($"/api/v1/history/slack/{view.Id}", view);
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute())
            .WithSummary("Upload a Slack export (the ZIP as the body, or a multipart form with one file): it is checked and previewed; nothing is imported yet");
        slack.MapGet("/", (SlackImports imports, CancellationToken ct) => imports.ListAsync(ct))
            .WithSummary("The uploaded exports and how far each import has come");
        slack.MapGet("/{id:guid}", async (Guid id, SlackImports imports, CancellationToken ct) =>
                await imports.GetAsync(id, ct) is { } view ? Results.Ok(view) : throw new NotFoundException("There is no such upload."))
            .WithSummary("An upload with its preview: channels, messages, people, dates, files, and what will not come across");
        slack.MapPost("/{id:guid}/import", async (Guid id, SlackImportRequest body, SlackImports imports, ActorContext actor, CancellationToken ct) =>
            {
                await imports.StartAsync(id, body, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/history/slack/{id}");
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Import the chosen channels (all when none are given) as a space and rooms; runs as an operation; running it again adds only what is missing");
        slack.MapPost("/cancel", (SlackImports imports) =>
            {
                imports.Cancel();
                return TypedResults.Accepted("/api/v1/homeserver");
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Stop the running import after the message it is sending");
        slack.MapDelete("/{id:guid}", async (Guid id, SlackImports imports, ActorContext actor, CancellationToken ct) =>
            {
                await imports.DeleteAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Delete an uploaded export (the rooms it became stay)");
        slack.MapGet("/{id:guid}/people", (Guid id, GhostClaims claims, CancellationToken ct) => claims.PeopleAsync(id, ct))
            .WithSummary("The export's people: their ghosts, who claimed them, and the member whose e-mail matches");
        slack.MapPut("/{id:guid}/people/{slackId}", async (Guid id, string slackId, GhostClaimRequest body, GhostClaims claims, ActorContext actor, CancellationToken ct) =>
                await claims.ClaimAsync(id, slackId, body, await actor.GetAsync(), ct))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Claim a person's ghost for a member (userId), or for the member whose e-mail matches (no userId): the member is invited to the person's rooms");

        var archives = api.MapGroup("/history/archives").WithTags("History");
        archives.MapPost("/", async (RoomArchiveRequest body, RoomArchives service, ActorContext actor, CancellationToken ct) =>
            {
                var name = await service.StartAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted($"/api/v1/history/archives/{name}", new RoomArchiveView(name, 0, DateTimeOffset.UtcNow));
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Archive a room (its ID or alias): events as JSON lines, state, media and an offline index.html, in one ZIP; runs as an operation");
        archives.MapGet("/", (RoomArchives service) => service.List())
            .WithSummary("The archives on disk");
        archives.MapGet("/{name}", (string name, RoomArchives service) => Download(service, name))
            .WithSummary("Download an archive");
        archives.MapDelete("/{name}", async (string name, RoomArchives service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DeleteAsync(name, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Delete an archive from the panel's disk");

        var scheduled = archives.MapGroup("/scheduled");
        scheduled.MapGet("/", (ScheduledRoomArchives service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("The rooms archived into every backup (kept as long as that backup is)");
        scheduled.MapPost("/", async (RoomArchiveRequest body, ScheduledRoomArchives service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Created("/api/v1/history/archives/scheduled", await service.AddAsync(body, await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Archive a room (its ID or alias) into every backup from now on");
        scheduled.MapDelete("/{roomId}", async (string roomId, ScheduledRoomArchives service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RemoveAsync(roomId, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Stop archiving a room with the backups (earlier backups keep theirs)");

        var retention = api.MapGroup("/history/retention").WithTags("History");
        retention.MapGet("/", (MessageRetentionService service, CancellationToken ct) => service.GetAsync(ct))
            .WithSummary("The server's message retention, and the largest rooms' own retention and whether this server holds their whole history");
        retention.MapPut("/", async (RetentionRequest body, MessageRetentionService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.ApplyServerAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Accepted("/api/v1/homeserver");
            })
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Set the server's retention (restarts Synapse); a policy that deletes messages needs confirm: true");
        retention.MapPut("/rooms/{roomId}", async (string roomId, RoomRetentionRequest body, MessageRetentionService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(new { sentAs = await service.SetRoomAsync(roomId, body, await actor.GetAsync(), ct) }))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Set a room's own lifetime in days (null: follow the server's), as its local admin; a lifetime needs confirm: true");
        return api;
    }

    /// <summary>An archive as a download, streamed from disk.</summary>
    public static IResult Download(RoomArchives service, string name) =>
        TypedResults.PhysicalFile(service.PathOf(name), "application/zip", name, enableRangeProcessing: true);

    /// <summary>
    /// The History page's upload form, for a signed-in owner: the file streams to disk (the body is
    /// not read as a form, so antiforgery's form field cannot be checked; the session cookie is
    /// SameSite=Strict and the origin is checked instead), then the page shows its preview.
    /// </summary>
    public static IEndpointRouteBuilder MapHistoryUpload(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/history/upload", async (HttpContext http, SlackImports imports, ActorContext actor, CancellationToken ct) =>
            {
                if (!SameOrigin(http.Request))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                try
                {
                    var view = await UploadAsync(http, imports, await actor.GetAsync(), null, ct);
                    return Results.Redirect($"/history?import={view.Id}", preserveMethod: false);
                }
                catch (DomainException e)
                {
                    return Results.Redirect("/history?error=" + Uri.EscapeDataString(e.Message), preserveMethod: false);
                }
            })
            .RequireAuthorization(PanelPolicies.Owner)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute())
            .DisableAntiforgery()
            .ExcludeFromDescription();
        // The page's download links, for a signed-in owner or admin (the session cookie).
        endpoints.MapGet("/history/archives/{name}", (string name, RoomArchives service) => Download(service, name))
            .RequireAuthorization(PanelPolicies.Admin)
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// A form post from the panel's own page: browsers say so in Sec-Fetch-Site; the Origin is
    /// checked when they do not (the panel's no-referrer policy makes it "null" on some).
    /// </summary>
    private static bool SameOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"] is [{ } site])
        {
            return site is "same-origin" or "none";
        }

        return request.Headers.Origin is not [{ } origin] || origin == "null"
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<SlackImportView> UploadAsync(HttpContext http, SlackImports imports, AuditActor actor, string? fileName, CancellationToken ct)
    {
        if (MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? throw new DomainException("The form has no boundary.");
            var reader = new MultipartReader(boundary, http.Request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
                {
                    return await imports.UploadAsync(section.Body, disposition.FileName.Value ?? disposition.FileNameStar.Value, actor, ct);
                }
            }

            throw new DomainException("The form has no file: choose the export's ZIP file.");
        }

        return await imports.UploadAsync(http.Request.Body, fileName, actor, ct);
    }
}
