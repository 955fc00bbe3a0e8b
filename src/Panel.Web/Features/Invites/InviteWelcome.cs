using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Panel.Domain.Invites;

namespace Panel.Web.Features.Invites;

/// <summary>A room a new account was put in by its invite.</summary>
public sealed record WelcomeRoom(string RoomId, string? Alias, string Name)
{
    public string MatrixTo => MatrixLinks.MatrixTo(Alias ?? RoomId);
}

/// <summary>Links that open a Matrix client with this homeserver already chosen.</summary>
public static class MatrixLinks
{
    /// <summary>Element in the browser, at its sign-in page, with the homeserver filled in.</summary>
    public static string ElementWeb(string homeserverUrl) => "https://app.element.io/#/login?hs_url=" + Uri.EscapeDataString(homeserverUrl.TrimEnd('/'));

    /// <summary>Element's phone app (or its store page), with the homeserver chosen: for the QR code.</summary>
    public static string ElementMobile(string homeserverUrl) => "https://mobile.element.io/?hs_url=" + Uri.EscapeDataString(homeserverUrl.TrimEnd('/'));

    /// <summary>A matrix.to link to a user, room ID or alias: any client opens it.</summary>
    public static string MatrixTo(string identifier) => "https://matrix.to/#/" + Uri.EscapeDataString(identifier);
}

/// <summary>
/// The success page after a sign-up, kept for a day in a cookie that only this browser holds and only
/// the panel can read: reloading the page shows the new account again, not the sign-up form (a
/// one-use invite is used up by then, and anyone else still gets the plain "not valid" page).
/// </summary>
public sealed class InviteWelcome(IDataProtectionProvider provider, TimeProvider clock)
{
    public const string CookieName = "hsp-welcome";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("Panel.Invites.Welcome.v1").ToTimeLimitedDataProtector();

    private sealed record Payload(string CodeHash, string ServerName, Redemption Redemption);

    public void Remember(HttpResponse response, string code, string serverName, Redemption redemption, bool secure) =>
        response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(new Payload(Invite.HashCode(code), serverName, redemption)), clock.GetUtcNow() + Lifetime),
            new CookieOptions { Path = Path(code), HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, MaxAge = Lifetime, IsEssential = true });

    /// <summary>The account made with this invite in this browser, with the server's name; null when there is none.</summary>
    public (string ServerName, Redemption Redemption)? Recall(HttpRequest request, string code)
    {
        if (!Invite.LooksLikeCode(code) || request.Cookies[CookieName] is not { Length: > 0 } cookie)
        {
            return null;
        }

        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(cookie, out _));
            return payload is not null && payload.CodeHash == Invite.HashCode(code) ? (payload.ServerName, payload.Redemption) : null;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null; // expired, altered, or from before a key change: the ordinary page
        }
    }

    public static string Path(string code) => "/invite/" + Uri.EscapeDataString(code);
}
