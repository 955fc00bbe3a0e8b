using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Panel.Domain.Accounts;
using Panel.Infrastructure.Identity;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Accounts;

public static class PanelPolicies
{
    /// <summary>A signed-in Owner or Admin: the server's managers (a Moderator is not one).</summary>
    public const string Admin = "PanelAdmin";

    /// <summary>The Owner only: settings, secrets, destructive actions on the whole server.</summary>
    public const string Owner = "PanelOwner";

    /// <summary>Admin, authenticated by an API token (the REST API accepts nothing else).</summary>
    public const string ApiAdmin = "ApiAdmin";

    /// <summary>Owner, authenticated by an API token.</summary>
    public const string ApiOwner = "ApiOwner";

    /// <summary>Any account that may act on reports and abuse: Owner, Admin or Moderator.</summary>
    public const string Moderate = "PanelModerate";

    /// <summary>The same, authenticated by an API token.</summary>
    public const string ApiModerate = "ApiModerate";
}

public static class AccountsRegistration
{
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromHours(8);

    public static IServiceCollection AddPanelAccounts(this IServiceCollection services)
    {
        services.AddIdentityCore<PanelUser>(o =>
            {
                // Length over composition, as NIST SP 800-63B recommends.
                o.Password.RequiredLength = PasswordPolicy.MinimumLength;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PanelDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddAuthentication().AddScheme<ApiTokenAuthenticationOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationOptions.Scheme, null);

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "panel.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request is (a reverse proxy with TLS); plain http only on a local run.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = SessionTimeout;
            o.SlidingExpiration = true;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx =>
            {
                // A Moderator signing in lands on the dashboard's address, which is not theirs: send them to their page.
                if (ctx.Request.Path == "/" && ctx.HttpContext.User.IsInRole(PanelRoles.Moderator))
                {
                    ctx.Response.Redirect("/moderation");
                    return Task.CompletedTask;
                }

                return ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
            };
        });
        services.Configure<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme, o =>
        {
            o.Cookie.Name = "panel.2fa";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(5));

        services.AddAuthorizationBuilder()
            .AddPolicy(PanelPolicies.Admin, p => p.RequireAuthenticatedUser().RequireRole(PanelRoles.Owner, PanelRoles.Admin))
            .AddPolicy(PanelPolicies.Owner, p => p.RequireAuthenticatedUser().RequireRole(PanelRoles.Owner))
            .AddPolicy(PanelPolicies.ApiAdmin, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationOptions.Scheme)
                .RequireAuthenticatedUser().RequireRole(PanelRoles.Owner, PanelRoles.Admin))
            .AddPolicy(PanelPolicies.ApiOwner, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationOptions.Scheme)
                .RequireAuthenticatedUser().RequireRole(PanelRoles.Owner))
            .AddPolicy(PanelPolicies.Moderate, p => p.RequireAuthenticatedUser().RequireRole(PanelRoles.Owner, PanelRoles.Admin, PanelRoles.Moderator))
            .AddPolicy(PanelPolicies.ApiModerate, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationOptions.Scheme)
                .RequireAuthenticatedUser().RequireRole(PanelRoles.Owner, PanelRoles.Admin, PanelRoles.Moderator))
            // Secure by default: anything not marked otherwise needs a signed-in Owner or Admin.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(PanelRoles.Owner, PanelRoles.Admin).Build());

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddHttpContextAccessor();
        services.AddScoped<ActorContext>();
        services.AddScoped<CircuitHandler, ClientAddressCircuitHandler>();

        services.AddSingleton<SetupState>();
        services.AddSingleton<OwnerSetupService>();
        services.AddSingleton<PanelAccountService>();
        services.AddSingleton<SecurityPolicy>();
        return services;
    }

    // Cookie authentication only ever guards pages; anything that is not a page (the API, the
    // Blazor hub) gets a plain status code instead of a redirect to an HTML login form.
    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/_blazor"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}

internal sealed class ClientAddressCircuitHandler(IHttpContextAccessor http, ActorContext actor) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (http.HttpContext is { } context)
        {
            actor.CircuitClientAddress = ActorContext.ClientAddress(context);
        }

        return Task.CompletedTask;
    }
}
