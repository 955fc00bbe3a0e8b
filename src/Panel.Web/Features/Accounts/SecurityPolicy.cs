using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Accounts;
using Panel.Domain.Audit;
using Panel.Infrastructure.Identity;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Accounts;

public sealed record SecuritySettingsView(bool RequireOwnerTwoFactor);

public sealed record SecuritySettingsRequest(bool? RequireOwnerTwoFactor);

/// <summary>The Owner's security policy: for now, whether owners must use two-factor authentication.</summary>
public sealed class SecurityPolicy(IDbContextFactory<PanelDbContext> contexts, IServiceScopeFactory scopes, IAuditLog audit)
{
    public const string EnrolPath = "/account/security";

    // -1 until read from the database; then 0 or 1.
    private int _requireOwnerTwoFactor = -1;

    public async Task<bool> RequireOwnerTwoFactorAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _requireOwnerTwoFactor);
        if (cached >= 0)
        {
            return cached == 1;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var value = (await db.SecuritySettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.RequireOwnerTwoFactor ?? false;
        Volatile.Write(ref _requireOwnerTwoFactor, value ? 1 : 0);
        return value;
    }

    public async Task<SecuritySettingsView> GetAsync(CancellationToken cancellationToken) => new(await RequireOwnerTwoFactorAsync(cancellationToken));

    public async Task<SecuritySettingsView> SaveAsync(SecuritySettingsRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var settings = await db.SecuritySettings.SingleOrAddAsync(SecuritySettings.Default, cancellationToken);

            if (request.RequireOwnerTwoFactor is { } require)
            {
                settings.SetRequireOwnerTwoFactor(require);
            }

            await db.SaveChangesAsync(cancellationToken);
            Volatile.Write(ref _requireOwnerTwoFactor, settings.RequireOwnerTwoFactor ? 1 : 0);
        }

        await audit.RecordAsync(actor, "security.settings-changed", "security", AuditOutcome.Success,
            Volatile.Read(ref _requireOwnerTwoFactor) == 1 ? "two-factor authentication required for owners" : "two-factor authentication optional", cancellationToken);
        return await GetAsync(cancellationToken);
    }

    /// <summary>Whether this signed-in person must enrol in two-factor authentication before anything else.</summary>
    public async Task<bool> MustEnrolAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true || !user.IsInRole(PanelRoles.Owner) || !await RequireOwnerTwoFactorAsync(cancellationToken))
        {
            return false;
        }

        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null)
        {
            return false;
        }

        using var scope = scopes.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PanelUser>>();
        return await users.FindByIdAsync(id) is { } account && !await users.GetTwoFactorEnabledAsync(account);
    }
}

/// <summary>
/// Sends an owner without two-factor authentication to enrol, on every page load, when the policy
/// requires it. API tokens are separate credentials and are not affected.
/// </summary>
public sealed class TwoFactorEnrolmentMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, SecurityPolicy policy)
    {
        var path = context.Request.Path.Value ?? "/";
        if (HttpMethods.IsGet(context.Request.Method)
            && !path.StartsWith("/account", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWith("/_", StringComparison.Ordinal)
            && !Path.HasExtension(path)
            && context.User.Identity?.AuthenticationType is not null and not ApiTokens.ApiTokenAuthenticationOptions.Scheme
            && await policy.MustEnrolAsync(context.User, context.RequestAborted))
        {
            context.Response.Redirect(SecurityPolicy.EnrolPath + "?enrol=1");
            return;
        }

        await next(context);
    }
}
