using System.Globalization;
using System.Text.RegularExpressions;
using Panel.Testing;

namespace Panel.Bench;

/// <summary>Load from wrk (Debian's package): requests per second and the 99th percentile latency.</summary>
public static partial class Wrk
{
    public sealed record WrkResult(double RequestsPerSecond, double P99Ms);

    public static async Task<WrkResult> RunAsync(string url, int seconds)
    {
        // A short unrecorded run first: the first requests pay for the JIT, not for the page.
        await ProcessRunner.RunAsync("wrk", "-t2", "-c16", "-d3s", url);
        var (exit, text) = await ProcessRunner.RunAsync("wrk", "-t2", "-c16", $"-d{seconds}s", "--latency", url);
        if (exit != 0)
        {
            throw new InvalidOperationException($"wrk failed on {url} (is it installed? apt-get install wrk):\n{text}");
        }

        if (NonSuccess().Match(text) is { Success: true } bad)
        {
            throw new InvalidOperationException($"{url} answered errors under load ({bad.Value}):\n{text}");
        }

        var rps = double.Parse(RequestsPerSecond().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var p99 = P99().Match(text);
        var value = double.Parse(p99.Groups[1].Value, CultureInfo.InvariantCulture);
        var ms = p99.Groups[2].Value switch { "us" => value / 1000, "ms" => value, "s" => value * 1000, _ => value * 60_000 };
        return new WrkResult(rps, ms);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s*99%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex P99();

    [GeneratedRegex(@"Non-2xx or 3xx responses: \d+")]
    private static partial Regex NonSuccess();
}
