using Panel.Bench;
using Panel.Testing;

// The panel must be light next to the homeserver it manages. Absolute figures on shared machines
// are noise, so every budget is a ratio against a baseline measured in the same run (bench/README.md).
var quick = args.Contains("--quick");
var output = args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault()
    ?? Path.Combine(TestEnvironment.RepoRoot, "bench", "results", "latest.json");
// --only P1,P3 runs just those measures (for iterating on one budget); the JSON then holds only them,
// and the ones taken in the same run under a lettered id (P11s with P11).
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
bool Wanted(string id) => only is null || only.Any(o => id.StartsWith(o, StringComparison.OrdinalIgnoreCase) && id[o.Length..].All(char.IsLetter));
var results = new List<BenchResult>();
Console.WriteLine(quick ? "Quick run: shorter windows, for checking that the suite works; figures are rougher." : "Full run.");

// P8's workload users count as active (they are signed in through the admin API); its snapshots are the ones its steps take.
var panelEnvironment = new Dictionary<string, string> { ["Panel__RateLimits__Scale"] = "1000000",
    [Panel.Testing.Workload.GrowthSteps.TrackWorkloadUsers.Key] = Panel.Testing.Workload.GrowthSteps.TrackWorkloadUsers.Value,
    [Panel.Testing.Workload.GrowthSteps.ShortWarmUp.Key] = Panel.Testing.Workload.GrowthSteps.ShortWarmUp.Value };
// The runtime settings the deployment gives the panel (the .NET runtime reads some only from the
// environment), so that what is measured is what users run.
foreach (var (key, value) in Deployment.RuntimeEnvironment())
{
    panelEnvironment[key] = value;
    Console.WriteLine($"panel environment (deploy/systemd): {key}={value}");
}

// --panel-env KEY=VALUE (repeatable) sets a variable for the panel only, not for the bench or the
// build: for trying a runtime setting (DOTNET_...) before committing to it.
foreach (var setting in args.Zip(args.Skip(1)).Where(p => p.First == "--panel-env").Select(p => p.Second))
{
    var (key, value) = (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
    panelEnvironment[key] = value;
    Console.WriteLine($"panel environment: {key}={value}");
}

try
{
    await RunMeasuresAsync();
}
catch (Exception e)
{
    // A measure that cannot be taken is a failure of the suite, not a missed budget: exit 2, with
    // whatever was measured before it still reported.
    Console.Error.WriteLine($"[bench] the suite could not run: {e.Message}");
    Console.Error.WriteLine(e);
    if (results.Count > 0)
    {
        Report.Print(results);
    }

    return 2;
}

results.RemoveAll(r => !Wanted(r.Id));
Report.Print(results);
Report.Write(results, quick, output);
var over = results.Where(r => !r.Pass).ToList();
Console.WriteLine(over.Count == 0 ? "within budget" : "OVER BUDGET (exit 1): " + string.Join("; ", over.Select(r => $"{r.Id} {r.Name}")));
return over.Count == 0 ? 0 : 1;

async Task RunMeasuresAsync()
{
    await using var panel = new HomeserverPanel(panelEnvironment);
    try
    {
        await panel.StartAsync();

        // P3: from the install API call to a healthy homeserver, against a bare `docker run` of the same
        // image and configuration until /health answers.
        // With --only and without P3, one plain install serves the other measures.
        if (Wanted("P3"))
        {
            results.Add(await Measures.InstallAsync(panel));
        }
        else
        {
            await Measures.InstallOnceAsync(panel);
        }

        // P5: the public pages under load, against /healthz on the same panel; no circuit may open.
        if (Wanted("P5"))
        {
            results.Add(await Measures.PublicPagesAsync(panel, quick));
        }

        // P1: the panel's PSS with one admin page open, against Synapse's main process.
        if (Wanted("P1"))
        {
            results.AddRange(await Measures.MemoryAsync(panel, panelEnvironment, quick));
        }

        // P1d: the panel's container in `docker stats`, in the deploy/compose.yaml setup, idle (report only).
        if (Wanted("P1d"))
        {
            results.Add(await ComposeMemory.IdleAsync(panel.SynapseContainer, quick));
        }

        // P2: the CPU the sampler costs for 10 more containers, against the docker stats CLI.
        if (Wanted("P2"))
        {
            results.Add(await Measures.SamplingCpuAsync(panel, quick));
        }

        // P4: the users list with many users, against the same call made to Synapse directly.
        if (Wanted("P4"))
        {
            results.Add(await Measures.UsersListAsync(panel, quick));
        }

        // P7: Synapse's memory with the recommended profile against the config generated before
        // profiles, under the same workload. Last: it changes the homeserver's profile.
        if (Wanted("P7"))
        {
            // --workload users=120,rooms=12,... changes the workload's shape (WorkloadSettings) for trying others.
            var workload = args.SkipWhile(a => a != "--workload").Skip(1).FirstOrDefault();
            results.Add(await SynapseMemory.ProfilesAsync(panel, quick, args.Contains("--trace"), workload));
        }

        // P9: the Slack import's rate against a bare appservice loop sending the same messages.
        if (Wanted("P9"))
        {
            // --p9-messages N sizes the export; --p9-memory-only skips the bare loop (the 50,000-message memory check).
            var p9Messages = args.SkipWhile(a => a != "--p9-messages").Skip(1).FirstOrDefault() is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
            results.Add(await SlackImportRate.RateAsync(panel, quick, p9Messages, args.Contains("--p9-memory-only")));
        }

        // P10: purge older than 30 days + VACUUM FULL on two years of messages, on a homeserver of its
        // own on PostgreSQL: the bytes given back, and the time Synapse was down against a bare restart.
        if (Wanted("P10"))
        {
            results.Add(await DiskReclaim.MeasureAsync(panelEnvironment, quick));
        }

        // P11: sync + send throughput through the proxy, two generic workers against the monolith, on
        // a PostgreSQL homeserver of its own.
        if (Wanted("P11"))
        {
            results.AddRange(await WorkerThroughput.MeasureAsync(panelEnvironment, quick));
        }

        // P8: the capacity forecast against what the next room then costs. Last: it grows the homeserver.
        if (Wanted("P8"))
        {
            results.Add(await Forecast.ErrorAsync(panel, quick));
        }

        // --hold SECONDS keeps the panel and Synapse running after the measures, for looking at them
        // (/proc/<pid>/smaps, dotnet-counters) in the state that was measured.
        if (args.SkipWhile(a => a != "--hold").Skip(1).FirstOrDefault() is { } hold)
        {
            Console.WriteLine($"holding for {hold} s: panel pid {panel.Process.ProcessId}, {panel.Process.BaseUrl}, token {panel.Token}");
            await Task.Delay(TimeSpan.FromSeconds(double.Parse(hold, System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
    finally
    {
        await DockerTestHelper.RemoveInstanceAsync(panel.Instance);
    }

    // P6: the metrics history's size for a simulated year (no panel process needed).
    if (Wanted("P6"))
    {
        results.Add(await Measures.MetricsYearAsync());
    }
}
