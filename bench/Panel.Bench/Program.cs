using System.Diagnostics;
using System.Globalization;
using Panel.Testing;

// Public pages (invite, donate) are what strangers load; they must stay cheap next to the cheapest
// thing the panel serves. Absolute times on shared machines are noise, so each budget is a ratio
// against a baseline measured in the same run, on the same process: a static file.
const int Warmup = 100;
const int Requests = 600;
const double PageBudget = 25.0;       // a public page costs at most 25 static files
const long MemoryBudgetBytes = 64L << 20; // and serving them grows the process by less than 64 MiB

var data = TestEnvironment.NewTempDirectory("bench");
await using var panel = new PanelProcess(data, new Dictionary<string, string> { ["Panel__RateLimits__Scale"] = "1000000" });
await panel.CreateOwnerAndTokenAsync();
await panel.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(panel.BaseUrl) };

var targets = new (string Name, string Path)[]
{
    ("static file (baseline)", "/favicon.svg"),
    ("health check", "/healthz"),
    ("invite page (not valid)", "/invite/" + new string('A', 43)),
    ("donate page", "/donate"),
};

foreach (var (_, path) in targets)
{
    for (var i = 0; i < Warmup; i++)
    {
        (await http.GetAsync(path)).EnsureSuccessStatusCode();
    }
}

var rssBefore = Rss(panel.ProcessId);
var results = new Dictionary<string, (double P50, double P95, double Mean)>();
foreach (var (name, path) in targets)
{
    var times = new double[Requests];
    for (var i = 0; i < Requests; i++)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        times[i] = watch.Elapsed.TotalMilliseconds;
        response.EnsureSuccessStatusCode();
    }

    Array.Sort(times);
    results[name] = (times[Requests / 2], times[Requests * 95 / 100], times.Average());
}

var rssAfter = Rss(panel.ProcessId);
var baseline = results["static file (baseline)"].P50;
Console.WriteLine($"{"endpoint",-26} {"p50 ms",8} {"p95 ms",8} {"mean ms",8} {"p50 / baseline",15}");
foreach (var (name, r) in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-26} {r.P50,8:0.000} {r.P95,8:0.000} {r.Mean,8:0.000} {r.P50 / baseline,15:0.0}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"panel resident memory: {rssBefore / 1048576.0:0.0} MiB before, {rssAfter / 1048576.0:0.0} MiB after {Requests * targets.Length} requests"));

var failures = new List<string>();
foreach (var page in new[] { "invite page (not valid)", "donate page" })
{
    var ratio = results[page].P50 / baseline;
    if (ratio > PageBudget)
    {
        failures.Add($"{page}: {ratio:0.0}x the static file, budget {PageBudget}x");
    }
}

if (rssAfter - rssBefore > MemoryBudgetBytes)
{
    failures.Add($"memory grew by {(rssAfter - rssBefore) / 1048576.0:0.0} MiB, budget {MemoryBudgetBytes >> 20} MiB");
}

Console.WriteLine(failures.Count == 0 ? "within budget" : "OVER BUDGET: " + string.Join("; ", failures));
return failures.Count == 0 ? 0 : 1;

static long Rss(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
