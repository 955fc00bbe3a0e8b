using Panel.Bench;
using Panel.Testing;

// The panel must be light next to the homeserver it manages. Absolute figures on shared machines
// are noise, so every budget is a ratio against a baseline measured in the same run (bench/README.md).
var quick = args.Contains("--quick");
var output = args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault()
    ?? Path.Combine(TestEnvironment.RepoRoot, "bench", "results", "latest.json");
var results = new List<BenchResult>();
Console.WriteLine(quick ? "Quick run: shorter windows, for checking that the suite works; figures are rougher." : "Full run.");

await using var panel = new HomeserverPanel(new Dictionary<string, string> { ["Panel__RateLimits__Scale"] = "1000000" });
try
{
    await panel.StartAsync();

    // P3: from the install API call to a healthy homeserver, against a bare `docker run` of the same
    // image and configuration until /health answers.
    results.Add(await Measures.InstallAsync(panel));

    // P5: the public pages under load, against /healthz on the same panel; no circuit may open.
    results.Add(await Measures.PublicPagesAsync(panel, quick));

    // P1: the panel's PSS with one admin page open, against Synapse's main process.
    results.Add(await Measures.MemoryAsync(panel, quick));

    // P2: the CPU the sampler costs for 10 more containers, against the docker stats CLI.
    results.Add(await Measures.SamplingCpuAsync(panel, quick));

    // P4: the users list with many users, against the same call made to Synapse directly.
    results.Add(await Measures.UsersListAsync(panel, quick));
}
finally
{
    await DockerTestHelper.RemoveInstanceAsync(panel.Instance);
}

// P6: the metrics history's size for a simulated year (no panel process needed).
results.Add(await Measures.MetricsYearAsync());

Report.Print(results);
Report.Write(results, quick, output);
var over = results.Where(r => !r.Pass).ToList();
Console.WriteLine(over.Count == 0 ? "within budget" : "OVER BUDGET: " + string.Join("; ", over.Select(r => $"{r.Id} {r.Name}")));
return over.Count == 0 ? 0 : 1;
