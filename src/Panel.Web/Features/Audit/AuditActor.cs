using System.Security.Claims;

namespace Panel.Web.Features.Audit;

/// <summary>Who is acting, and from which address, as it goes into the audit log.</summary>
public sealed record AuditActor(string Name, string? SourceAddress)
{
    public static AuditActor Cli { get; } = new("cli", "local");

    public static AuditActor System { get; } = new("system", null);

    public static AuditActor Anonymous(string? sourceAddress) => new("anonymous", sourceAddress);

    public static AuditActor From(ClaimsPrincipal user, string? sourceAddress)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Anonymous(sourceAddress);
        }

        var name = user.Identity.Name ?? "unknown";
        var token = user.FindFirst(PanelClaims.TokenName)?.Value;
        return new AuditActor(token is null ? name : $"{name} (token {token})", sourceAddress);
    }
}

public static class PanelClaims
{
    public const string TokenId = "panel:token_id";
    public const string TokenName = "panel:token_name";
}
