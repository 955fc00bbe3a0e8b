using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Panel.Domain.Audit;
using Panel.Infrastructure.Identity;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Accounts;

internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // A form post, so antiforgery applies: a link on another site cannot sign the owner out.
        endpoints.MapPost("/account/logout", async (HttpContext context, SignInManager<PanelUser> signIn, IAuditLog audit, [FromForm] string? returnUrl) =>
        {
            var actor = AuditActor.From(context.User, ActorContext.ClientAddress(context));
            await signIn.SignOutAsync();
            if (actor.Name != "anonymous")
            {
                await audit.RecordAsync(actor, AuditActions.Logout, $"panel-user:{actor.Name}", AuditOutcome.Success);
            }

            return TypedResults.LocalRedirect("/account/login");
        }).AllowAnonymous().ExcludeFromDescription();

        // After a change that renews the security stamp (2FA on or off, a new password), the
        // interactive page sends the browser here to get a cookie that carries the new stamp.
        endpoints.MapGet("/account/refresh-signin", async (HttpContext context, SignInManager<PanelUser> signIn, UserManager<PanelUser> users, string? returnUrl) =>
        {
            var user = await users.GetUserAsync(context.User);
            if (user is not null)
            {
                await signIn.RefreshSignInAsync(user);
            }

            return TypedResults.LocalRedirect(ReturnUrls.Safe(returnUrl));
        }).ExcludeFromDescription();
        return endpoints;
    }
}
