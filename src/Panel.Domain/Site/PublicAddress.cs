using System.Net;
using Panel.Domain.Common;

namespace Panel.Domain.Site;

/// <summary>
/// The address at which friends reach the panel (invite links, the donate page, Stripe's way back),
/// as the owner set it on the Invites or Homeserver page. One row per panel.
/// </summary>
public sealed class SiteSettings
{
    public const int SingletonId = 1;

    private SiteSettings() { }

    public int Id { get; private set; } = SingletonId;

    /// <summary>An absolute http(s) base address without a trailing slash; null until the owner sets one.</summary>
    public string? PublicUrl { get; private set; }

    public static SiteSettings Default() => new();

    public void SetPublicUrl(string? url) => PublicUrl = string.IsNullOrWhiteSpace(url) ? null : PublicAddress.Normalize(url);
}

public static class PublicAddress
{
    /// <summary>An absolute http(s) address with no query or fragment, without its trailing slash; a clear error otherwise.</summary>
    public static string Normalize(string url)
    {
        var text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw new DomainException($"'{url.Trim()}' is not a web address: give one such as https://panel.example.org.");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new DomainException("The public address is the panel's base address only: no ?query, #fragment or user name.");
        }

        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>
    /// Whether an address only works on this machine or its local network: loopback, a private or
    /// link-local IP, "localhost", or a name with no dot (which no public DNS serves).
    /// </summary>
    public static bool IsLocalOnly(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return true;
        }

        var host = uri.IdnHost.TrimEnd('.');
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || IsPrivateV4(ip);
        }

        return !host.Contains('.', StringComparison.Ordinal) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPrivateV4(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = ip.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
