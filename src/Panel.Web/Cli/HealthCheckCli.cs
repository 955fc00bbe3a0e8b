namespace Panel.Web.Cli;

/// <summary>
/// <c>Panel.Web healthcheck</c>: asks the running panel's <c>/healthz</c> and exits 0 when it is
/// healthy. It is the container image's HEALTHCHECK, so it starts no host and reads no database:
/// the image carries no curl, and a check every 30 s must stay cheap.
/// </summary>
public static class HealthCheckCli
{
    public static bool IsHealthCheck(string[] args) => args.Length > 0 && args[0] == "healthcheck";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : LocalUrl(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await http.GetAsync(new Uri(new Uri(url), "/healthz"));
            Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"The panel at {url} does not answer: {e.Message}");
            return 1;
        }
    }

    /// <summary>The first address the panel listens on, with a wildcard host made local.</summary>
    internal static string LocalUrl(string? urls)
    {
        var first = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://localhost:8080";
        return first.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal);
    }
}
