using System.Security.Claims;
using Panel.Domain.Audit;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;

namespace Panel.Web.Api;

/// <summary>The foundation's endpoints: who am I, API tokens, panel accounts and the audit log.</summary>
internal static class CoreApi
{
    public sealed record MeResponse(string UserId, string UserName, IReadOnlyList<string> Roles, string? TokenName);

    public sealed record CreateTokenRequest(string? Name, string? UserId);


    /// <summary>A new token: <c>token</c> is its text, shown this once.</summary>
    public sealed record CreatedToken(Guid Id, string Name, string Hint, string Token);

    public sealed record CreateAccountRequest(string? UserName, string? Email, string? Password, string? Role = null);

    public static RouteGroupBuilder MapCoreApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", (ClaimsPrincipal user) => new MeResponse(
                user.FindFirstValue(ClaimTypes.NameIdentifier)!,
                user.Identity!.Name!,
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
                user.FindFirstValue(PanelClaims.TokenName)))
            .WithTags("Account").WithSummary("Who the token belongs to");

        var tokens = api.MapGroup("/tokens").WithTags("API tokens").RequireAuthorization(PanelPolicies.ApiOwner);
        tokens.MapGet("/", (ApiTokenService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("All API tokens, without their secret");
        tokens.MapPost("/", async (CreateTokenRequest body, ClaimsPrincipal user, ApiTokenService service, ActorContext actor, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(body.Name))
                {
                    return Problems.Validation(new Dictionary<string, string[]> { ["name"] = ["A token name is required."] });
                }

                var issued = await service.IssueAsync(body.Name, body.UserId ?? user.FindFirstValue(ClaimTypes.NameIdentifier)!, await actor.GetAsync(), ct);
                return TypedResults.Created($"/api/v1/tokens/{issued.Token.Id}", new CreatedToken(issued.Token.Id, issued.Token.Name, issued.Token.Hint, issued.PlainText));
            })
            .WithSummary("Issue a token; its text is in the answer once and never again");
        tokens.MapDelete("/{id:guid}", async (Guid id, ApiTokenService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.RevokeAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Revoke a token at once");

        var accounts = api.MapGroup("/accounts").WithTags("Panel accounts").RequireAuthorization(PanelPolicies.ApiOwner);
        accounts.MapGet("/", (PanelAccountService service, CancellationToken ct) => service.ListAsync(ct))
            .WithSummary("The Owner, the Admins and the Moderators of the panel");
        accounts.MapPost("/", async (CreateAccountRequest body, PanelAccountService service, ActorContext actor, CancellationToken ct) =>
            {
                var created = await service.CreateAccountAsync(body.UserName ?? "", body.Email, body.Password ?? "", body.Role, await actor.GetAsync(), ct);
                return TypedResults.Created($"/api/v1/accounts/{created.Id}", created);
            })
            .WithSummary("Add an Admin, or a Moderator (role: Moderator) who can only act on reports and abuse");
        accounts.MapDelete("/{id}", async (string id, PanelAccountService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Remove an Admin or a Moderator");

        var security = api.MapGroup("/security").WithTags("Security").RequireAuthorization(PanelPolicies.ApiOwner);
        security.MapGet("/settings", (SecurityPolicy policy, CancellationToken ct) => policy.GetAsync(ct))
            .WithSummary("The panel's security policy (whether owners must use two-factor authentication)");
        security.MapPut("/settings", async (SecuritySettingsRequest body, SecurityPolicy policy, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(await policy.SaveAsync(body, await actor.GetAsync(), ct)))
            .WithSummary("Change the security policy; owners without two-factor authentication are sent to enrol on their next page load");

        api.MapGet("/audit", async (DateTimeOffset? from, DateTimeOffset? to, string? actor, string? action, AuditOutcome? outcome, int? skip, int? take, IAuditLog audit, CancellationToken ct) =>
            {
                if (take is < 1 or > AuditQuery.MaxTake || skip < 0)
                {
                    return Problems.BadRequest($"take must be between 1 and {AuditQuery.MaxTake}, and skip at least 0.");
                }

                if (from > to)
                {
                    return Problems.BadRequest("from must not be after to.");
                }

                var page = await audit.QueryAsync(new AuditQuery(from, to, actor, action, outcome, skip ?? 0, take ?? 100), ct);
                return TypedResults.Ok(new { total = page.Total, items = page.Items });
            })
            .WithTags("Audit").WithSummary("The audit log, newest first, filtered");
        return api;
    }
}
