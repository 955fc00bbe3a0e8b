using System.Net;
using System.Text.RegularExpressions;

namespace Panel.Testing;

/// <summary>Submits the panel's server-rendered forms the way a browser without JavaScript does.</summary>
public static partial class Forms
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(path);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(html);
        if (!token.Success)
        {
            throw new InvalidOperationException($"No antiforgery token on {path} (status {(int)page.StatusCode}):\n{html[..Math.Min(html.Length, 2000)]}");
        }

        var form = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    /// <summary>Where a redirect points, as a path and query (the panel answers with absolute URLs).</summary>
    public static string? Location(this HttpResponseMessage response) =>
        response.Headers.Location is not { } uri ? null : uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;

    public static async Task<string> BodyAsync(this HttpResponseMessage response) => await response.Content.ReadAsStringAsync();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
