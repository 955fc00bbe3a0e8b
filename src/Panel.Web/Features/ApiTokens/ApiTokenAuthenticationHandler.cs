using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Panel.Web.Api;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.ApiTokens;

public sealed class ApiTokenAuthenticationOptions : AuthenticationSchemeOptions
{
    public const string Scheme = "ApiToken";
}

/// <summary>
/// <c>Authorization: Bearer hsp_...</c> for the REST API. Failures answer with RFC 7807 problem
/// details and never say whether a token exists.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<ApiTokenAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens)
    : AuthenticationHandler<ApiTokenAuthenticationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }

        var identity = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), ActorContext.ClientAddress(Context), Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("The token is not valid, or it has been revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, identity.UserId),
            new(ClaimTypes.Name, identity.UserName),
            new(PanelClaims.TokenId, identity.TokenId.ToString()),
            new(PanelClaims.TokenName, identity.TokenName),
        };
        claims.AddRange(identity.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message ?? "This endpoint needs an API token: send 'Authorization: Bearer <token>'.";
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this action; it needs the Owner.");
}
