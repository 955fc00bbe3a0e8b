namespace Panel.Web.Features.Accounts;

internal static class ReturnUrls
{
    /// <summary>Only paths on this site: anything else (//evil.example, https://...) becomes the dashboard.</summary>
    public static string Safe(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            ? url
            : "/";
}
