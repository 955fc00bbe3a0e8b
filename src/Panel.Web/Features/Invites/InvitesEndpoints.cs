using Panel.Web.Api;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Site;
using Panel.Web.Hosting;

namespace Panel.Web.Features.Invites;

internal static class InvitesEndpoints
{
    /// <summary>A sign-up; <see cref="AcceptRulesVersion"/> is the version of the house rules accepted, when the server has rules.</summary>
    public sealed record RedeemRequest(string? Username, string? Password, int? AcceptRulesVersion = null);

    public static RouteGroupBuilder MapInvitesApi(this RouteGroupBuilder api)
    {
        var invites = api.MapGroup("/invites").WithTags("Invites");
        invites.MapGet("/", async (InvitesService service, HttpContext http, PublicAddressService address, CancellationToken ct) =>
                await service.ListAsync((await address.ResolveAsync(http, ct)).BaseUrl, ct))
            .WithSummary("Every invite with its status, uses and who used it");
        invites.MapPost("/", async (CreateInviteRequest body, InvitesService service, HttpContext http, PublicAddressService address, ActorContext actor, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body, (await address.ResolveAsync(http, ct)).BaseUrl, await actor.GetAsync(), ct);
                return TypedResults.Created($"/api/v1/invites/{created.Id}", created);
            })
            .WithSummary("Create an invite: a panel link (mode 'link') or a Synapse registration token (mode 'registrationToken')");
        invites.MapDelete("/{id:guid}", async (Guid id, InvitesService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RevokeAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Revoke an invite at once");

        // Public: a friend's client or script redeems an invite without any panel account.
        invites.MapPost("/{code}/redeem", async (string code, RedeemRequest? body, InvitesService service, HttpContext http, CancellationToken ct) =>
            {
                try
                {
                    var result = await service.RedeemAsync(code, body?.Username, body?.Password, ActorContext.ClientAddress(http), ct, body?.AcceptRulesVersion);
                    return Results.Created((string?)null, result);
                }
                catch (InviteGoneException e)
                {
                    return Problems.Result(StatusCodes.Status410Gone, "Gone", e.Message);
                }
            })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimits.PublicForm)
            .WithSummary("Redeem an invite: 201 with the new user ID, 409 username taken, 410 expired/used up/revoked, 400 invalid, 404 unknown, 429 too many tries");
        return api;
    }
}
