using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.Bench;

public static partial class Measures
{
    public const string ServerName = "bench.example.test";

    /// <summary>
    /// P3: install API call to healthy, against a bare docker run of the same image and config. A
    /// single Synapse start varies by half a second from one run to the next, as much as the panel
    /// adds: both sides are run three times, interleaved, and their medians compared. The first
    /// install (a panel that has not run that code yet) is reported apart.
    /// </summary>
    public static async Task<BenchResult> InstallAsync(HomeserverPanel panel)
    {
        var (first, steps) = await TimedInstallAsync(panel);

        // The same image and the configuration the panel wrote (without the database and media,
        // which the first start creates), started by hand.
        var files = TestEnvironment.NewTempDirectory("bench-bare");
        var listing = await DockerTestHelper.ExecAsync(panel.SynapseContainer, "ls", "/data");
        foreach (var name in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                     .Where(n => n.EndsWith(".yaml", StringComparison.Ordinal) || n.EndsWith(".key", StringComparison.Ordinal) || n.EndsWith(".config", StringComparison.Ordinal)))
        {
            await File.WriteAllTextAsync(Path.Combine(files, name), await DockerTestHelper.ReadFileAsync(panel.SynapseContainer, "/data/" + name));
        }

        var image = (await DockerTestHelper.InspectAsync(panel.SynapseContainer))!.Config!.Image;
        var installs = new List<double> { first };
        var bareRuns = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            bareRuns.Add(await BareStartAsync(panel, image, files, run));
            if (run < 2)
            {
                // Uninstall with the data, so that the next install starts from nothing again; the
                // last install stays for the measures that follow.
                var removed = await panel.Api.Http.DeleteAsync($"/api/v1/homeserver?deleteData=true&confirmServerName={ServerName}");
                removed.EnsureSuccessStatusCode();
                await panel.WaitForOperationAsync("uninstall");
                installs.Add((await TimedInstallAsync(panel)).Seconds);
            }
        }

        var install = installs.Order().ElementAt(1);
        var baseline = bareRuns.Order().ElementAt(1);
        steps["first install s (steps above are its own)"] = first;
        steps["installs s (median taken)"] = install;
        steps["installs fastest s"] = installs.Min();
        steps["installs slowest s"] = installs.Max();
        steps["bare starts s (median taken)"] = baseline;
        steps["bare start fastest s"] = bareRuns.Min();
        steps["bare start slowest s"] = bareRuns.Max();
        var ratio = install / baseline;
        return new BenchResult("P3", "install API call to healthy (SQLite)", install, "s", "bare docker run to /health", baseline, ratio, "ratio <= 1.5", ratio <= 1.5, steps);
    }

    /// <summary>An install for the measures that follow, when P3 itself is not run.</summary>
    public static async Task InstallOnceAsync(HomeserverPanel panel) => await TimedInstallAsync(panel);

    /// <summary>One install, from the API call until the API reports the homeserver healthy, with its steps.</summary>
    private static async Task<(double Seconds, Dictionary<string, double> Steps)> TimedInstallAsync(HomeserverPanel panel)
    {
        var called = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        await panel.InstallAsync(ServerName, "sqlite");
        // Polled as often as the baseline's /health below, so that neither side waits longer to be seen.
        var view = await panel.WaitUntilHealthyAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(100));
        var seconds = watch.Elapsed.TotalSeconds;
        // The install's own steps, as the panel timed them: where the time over the baseline goes.
        var operation = view.Operation!;
        var steps = operation.Steps.Where(s => s.Seconds is not null).ToDictionary(s => "step " + s.Key + " s", s => s.Seconds!.Value);
        // And around them: from the call to the operation's start (the request itself), and from its
        // end to the moment the API reports the homeserver healthy (what this loop sees).
        steps["before the operation s"] = (operation.StartedAt - called).TotalSeconds;
        steps["after the operation s"] = (called + TimeSpan.FromSeconds(seconds) - operation.FinishedAt!.Value).TotalSeconds;
        return (seconds, steps);
    }

    /// <summary>A fresh container of the image with the given /data files: seconds from `docker start` to /health.</summary>
    private static async Task<double> BareStartAsync(HomeserverPanel panel, string image, string files, int run)
    {
        var bare = $"{panel.Instance}-bare-synapse-{run}";
        var port = FreePort.Next();
        var watch = new Stopwatch();
        try
        {
            Must(await DockerTestHelper.CliAsync("create", "--name", bare, "--label", "homeserver-panel.test=true", "-p", $"127.0.0.1:{port}:8008", "-v", $"{bare}-data:/data", image));
            Must(await DockerTestHelper.CliAsync("cp", files + "/.", $"{bare}:/data/"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            watch.Start();
            Must(await DockerTestHelper.CliAsync("start", bare));
            while (watch.Elapsed < TimeSpan.FromMinutes(5))
            {
                try
                {
                    if ((await http.GetAsync($"http://127.0.0.1:{port}/health")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }

                await Task.Delay(100);
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            await DockerTestHelper.CliAsync("rm", "-f", bare);
            await DockerTestHelper.CliAsync("volume", "rm", $"{bare}-data");
        }
    }

    /// <summary>P5: wrk on the invite and donate pages, against /healthz; circuits opened must stay 0.</summary>
    public static async Task<BenchResult> PublicPagesAsync(HomeserverPanel panel, bool quick)
    {
        var invite = await panel.Api.Http.PostAsJsonAsync("/api/v1/invites", new { note = "bench", maxUses = 1 });
        invite.EnsureSuccessStatusCode();
        var code = (await invite.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        var seconds = quick ? 5 : 20;
        var circuitsBefore = await CircuitsOpenedAsync(panel);
        var health = await Wrk.RunAsync(panel.Process.BaseUrl + "/healthz", seconds);
        var invitePage = await Wrk.RunAsync(panel.Process.BaseUrl + "/invite/" + code, seconds);
        var donate = await Wrk.RunAsync(panel.Process.BaseUrl + "/donate", seconds);
        var circuits = await CircuitsOpenedAsync(panel) - circuitsBefore;
        var worstP99 = Math.Max(invitePage.P99Ms, donate.P99Ms);
        return new BenchResult("P5", "public pages under wrk: worst p99", worstP99, "ms", "GET /healthz p99", health.P99Ms, worstP99 / health.P99Ms,
            "circuits = 0; p99 <= 50 ms", circuits == 0 && worstP99 <= 50,
            new Dictionary<string, double>
            {
                ["invite requests/s"] = invitePage.RequestsPerSecond,
                ["invite p99 ms"] = invitePage.P99Ms,
                ["donate requests/s"] = donate.RequestsPerSecond,
                ["donate p99 ms"] = donate.P99Ms,
                ["healthz requests/s"] = health.RequestsPerSecond,
                ["circuits opened"] = circuits,
            });
    }

    /// <summary>
    /// P1: panel PSS after an admin page has been open for a while, against Synapse's main process.
    /// P1f: the same against the floor app F, measured just before in the same browser and the same way.
    /// P1i: the same 5 minutes (2 quick) after the page closed, the samplers still running: the state a
    /// panel spends most of its life in.
    /// </summary>
    public static async Task<IReadOnlyList<BenchResult>> MemoryAsync(HomeserverPanel panel, IReadOnlyDictionary<string, string> environment, bool quick)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = TestEnvironment.ChromiumPath, Headless = true });
        var open = TimeSpan.FromSeconds(quick ? 20 : 60);
        var floor = await FloorApp.MeasureAsync(browser, environment, open);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = panel.Process.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync("owner");
        await page.GetByLabel("Password").FillAsync("correct horse battery staple");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
        await page.GotoAsync("/monitoring");
        await page.Locator("#panel-interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        // Read once early and once at the end: a page left open must not make the panel grow (no
        // per-circuit cache that fills up, no history kept per refresh).
        var early = TimeSpan.FromSeconds(quick ? 5 : 15);
        await Task.Delay(early);
        var (earlyPss, _, _) = ProcessProbes.Smaps(panel.Process.ProcessId);
        await Task.Delay(open - early);

        var (panelPss, panelAnon, panelRss) = ProcessProbes.Smaps(panel.Process.ProcessId);
        var diagnostics = await panel.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/diagnostics");
        ProcessProbes.WriteBreakdown(panel.Process.ProcessId, Path.Combine(TestEnvironment.ArtifactsDirectory, "bench", "panel-pss-by-mapping.txt"));
        var synapsePid = (await DockerTestHelper.InspectAsync(panel.SynapseContainer))!.State!.Pid;
        var (synapsePss, synapseAnon, synapseRss) = ProcessProbes.Smaps((int)synapsePid);
        var ratio = panelPss / (double)synapsePss;
        var parts = ProcessProbes.PssParts(panel.Process.ProcessId);
        await context.CloseAsync();
        var idle = await IdleAsync(panel, (int)synapsePid, TimeSpan.FromMinutes(quick ? 2 : 5));
        var overFloor = panelPss / (double)floor.Pss;
        var againstFloor = new BenchResult("P1f", "panel PSS, one admin page open, against the floor F", panelPss, "bytes", "F: an empty app on the same stack, page open as long",
            floor.Pss, overFloor, "ratio <= 1.0", overFloor <= 1.0, new Dictionary<string, double>
            {
                ["F PSS anonymous MiB"] = floor.Anon / 1048576.0,
                ["F PSS file-backed MiB"] = floor.File / 1048576.0,
                ["F PSS shared (loader heaps) MiB"] = floor.Shmem / 1048576.0,
                ["panel PSS anonymous MiB"] = parts.Anon / 1048576.0,
                ["panel PSS file-backed MiB"] = parts.File / 1048576.0,
                ["panel PSS shared (loader heaps) MiB"] = parts.Shmem / 1048576.0,
            });
        return [new BenchResult("P1", "panel PSS, one admin page open", panelPss, "bytes", "Synapse main process PSS", synapsePss, ratio, "ratio <= 1.0", ratio <= 1.0,
            new Dictionary<string, double>
            {
                ["panel RSS MiB"] = panelRss / 1048576.0,
                ["panel PSS anonymous MiB"] = panelAnon / 1048576.0,
                ["Synapse RSS MiB"] = synapseRss / 1048576.0,
                ["Synapse PSS anonymous MiB"] = synapseAnon / 1048576.0,
                ["panel PSS growth while the page stayed open MiB"] = (panelPss - earlyPss) / 1048576.0,
                ["panel GC heap MiB"] = diagnostics.GetProperty("gc").GetProperty("heapBytes").GetInt64() / 1048576.0,
                ["panel GC committed MiB"] = diagnostics.GetProperty("gc").GetProperty("committedBytes").GetInt64() / 1048576.0,
                ["circuits open"] = diagnostics.GetProperty("circuits").GetProperty("open").GetInt64(),
            }), againstFloor, idle];
    }

    private static async Task<BenchResult> IdleAsync(HomeserverPanel panel, int synapsePid, TimeSpan after)
    {
        await Task.Delay(after);
        var (pss, anon, file, shmem) = ProcessProbes.PssParts(panel.Process.ProcessId);
        var synapse = ProcessProbes.PssParts(synapsePid).Pss;
        var diagnostics = await panel.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/diagnostics");
        ProcessProbes.WriteBreakdown(panel.Process.ProcessId, Path.Combine(TestEnvironment.ArtifactsDirectory, "bench", "panel-idle-pss-by-mapping.txt"));
        var ratio = pss / (double)synapse;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"P1i {after.TotalMinutes:0} min after the page closed: {pss / 1048576.0:0.0} MiB (anonymous {anon / 1048576.0:0.0}, file {file / 1048576.0:0.0}, shared {shmem / 1048576.0:0.0}); Synapse {synapse / 1048576.0:0.0} MiB"));
        return new BenchResult("P1i", "panel PSS, nobody looking", pss, "bytes", "Synapse main process PSS", synapse, ratio, "ratio <= 0.7", ratio <= 0.7,
            new Dictionary<string, double>
            {
                ["minutes after the last page closed"] = after.TotalMinutes,
                ["panel PSS anonymous MiB"] = anon / 1048576.0,
                ["panel PSS file-backed MiB"] = file / 1048576.0,
                ["panel PSS shared (loader heaps) MiB"] = shmem / 1048576.0,
                ["panel GC committed MiB"] = diagnostics.GetProperty("gc").GetProperty("committedBytes").GetInt64() / 1048576.0,
                ["circuits open"] = diagnostics.GetProperty("circuits").GetProperty("open").GetInt64(),
                ["memory releases"] = diagnostics.GetProperty("circuits").GetProperty("memoryReleases").GetInt32(),
            });
    }

    /// <summary>
    /// P2: the panel's CPU time for sampling 10 more containers (its stats streams), against the
    /// docker stats CLI streaming the same 10 for the same time.
    /// </summary>
    public static async Task<BenchResult> SamplingCpuAsync(HomeserverPanel panel, bool quick)
    {
        var window = TimeSpan.FromSeconds(quick ? 15 : 60);
        var image = (await DockerTestHelper.InspectAsync(panel.SynapseContainer))!.Config!.Image;
        var names = Enumerable.Range(1, 10).Select(i => $"{panel.Instance}-load-{i}").ToList();
        try
        {
            foreach (var name in names)
            {
                Must(await DockerTestHelper.CliAsync("run", "-d", "--name", name, "--label", "homeserver-panel.test=true", "--entrypoint", "sleep", image, "infinity"));
            }

            // The idle panel (it samples the homeserver only), then the same window with the 10 watched.
            // First a pause, so that what the measures before left running (a closing circuit,
            // a flush of the metrics) is not billed to idle.
            await Task.Delay(TimeSpan.FromSeconds(10));
            var idle = await ProcessProbes.CpuOverAsync(panel.Process.ProcessId, window);
            foreach (var name in names)
            {
                (await panel.Api.Http.PostAsJsonAsync("/api/v1/metrics/watched", new { name })).EnsureSuccessStatusCode();
            }

            await Task.Delay(TimeSpan.FromSeconds(5)); // the streams open
            var sampling = await ProcessProbes.CpuOverAsync(panel.Process.ProcessId, window);

            // The CLI, streaming the same containers (its own process's CPU time only, like the panel's).
            var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add("stats");
            names.ForEach(info.ArgumentList.Add);
            using var cli = Process.Start(info)!;
            var drain = cli.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            await Task.Delay(TimeSpan.FromSeconds(5));
            var cliCpu = await ProcessProbes.CpuOverAsync(cli.Id, window);
            cli.Kill();
            await drain;

            var cost = Math.Max(0, sampling - idle);
            var ratio = cost / Math.Max(cliCpu, 0.001);
            return new BenchResult("P2", "CPU for sampling 10 containers", cost, "s", "docker stats CLI on the same 10", cliCpu, ratio, "ratio <= 1.0", ratio <= 1.0,
                new Dictionary<string, double> { ["window s"] = window.TotalSeconds, ["panel idle CPU s"] = idle, ["panel sampling CPU s"] = sampling });
        }
        finally
        {
            foreach (var name in names)
            {
                await panel.Api.Http.DeleteAsync($"/api/v1/metrics/watched/{name}");
                await DockerTestHelper.CliAsync("rm", "-f", name);
            }
        }
    }

    /// <summary>P6: the metrics store's size for a simulated year of 10 containers (the test that asserts it).</summary>
    public static async Task<BenchResult> MetricsYearAsync()
    {
        var figures = Path.Combine(TestEnvironment.ArtifactsDirectory, "metrics-year.json");
        File.Delete(figures);
        var (exit, text) = await ProcessRunner.RunAsync("dotnet", "test", "--project", Path.Combine(TestEnvironment.RepoRoot, "tests", "Panel.Web.Tests"), "-c", "Release",
            "--", "--filter-method", "*A_year_of_ten_containers_fits_in_a_few_megabytes");
        if (exit != 0 || !File.Exists(figures))
        {
            throw new InvalidOperationException("The metrics year simulation failed:\n" + text);
        }

        var year = JsonDocument.Parse(await File.ReadAllTextAsync(figures)).RootElement;
        var bytes = year.GetProperty("bytes").GetInt64();
        return new BenchResult("P6", "metrics stored for a year of 10 containers", bytes, "bytes", "-", null, null, "<= 20 MB", bytes <= 20L * 1000 * 1000,
            new Dictionary<string, double> { ["rows"] = year.GetProperty("rows").GetInt64() });
    }

    /// <summary>
    /// P4: p95 of the first page of the panel's users list with many users on Synapse, against the
    /// same admin API call made to Synapse directly.
    /// </summary>
    public static async Task<BenchResult> UsersListAsync(HomeserverPanel panel, bool quick)
    {
        var count = quick ? 1_000 : 10_000;
        var requests = quick ? 60 : 300;
        using var synapse = new HttpClient { BaseAddress = new Uri(await panel.ClientUrlAsync()) };
        var config = await DockerTestHelper.ReadFileAsync(panel.SynapseContainer, "/data/homeserver.yaml");
        var secret = SharedSecret().Match(config).Groups[1].Value;
        synapse.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await RegisterAdminAsync(synapse, secret));

        // Users without passwords: creating them costs no password hashing, which is not what is measured.
        var created = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            (await synapse.PutAsJsonAsync($"_synapse/admin/v2/users/@bench{i:00000}:{ServerName}", new { displayname = $"Bench user {i}" }, ct)).EnsureSuccessStatusCode());
        var creation = created.Elapsed.TotalSeconds;

        // The panel's defaults for its first page, asked of Synapse as the panel asks it.
        const string direct = "_synapse/admin/v2/users?from=0&limit=50&guests=true&deactivated=false&order_by=name&dir=f";
        const string throughPanel = "/api/v1/users";
        for (var i = 0; i < 10; i++)
        {
            (await panel.Api.Http.GetAsync(throughPanel)).EnsureSuccessStatusCode();
            (await synapse.GetAsync(direct)).EnsureSuccessStatusCode();
        }

        var ours = new List<double>();
        var theirs = new List<double>();
        for (var i = 0; i < requests; i++)
        {
            // Alternating, so that both see the same state of the machine.
            var watch = Stopwatch.StartNew();
            (await panel.Api.Http.GetAsync(throughPanel)).EnsureSuccessStatusCode();
            ours.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            (await synapse.GetAsync(direct)).EnsureSuccessStatusCode();
            theirs.Add(watch.Elapsed.TotalMilliseconds);
        }

        var p95 = Percentile(ours, 0.95);
        var baseline = Percentile(theirs, 0.95);
        var ratio = p95 / baseline;
        return new BenchResult("P4", $"users list first page, {count} users: p95", p95, "ms", "the same admin API call to Synapse", baseline, ratio, "ratio <= 1.3", ratio <= 1.3,
            new Dictionary<string, double> { ["requests each"] = requests, ["panel p50 ms"] = Percentile(ours, 0.5), ["Synapse p50 ms"] = Percentile(theirs, 0.5), ["creating the users s"] = creation });
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    /// <summary>Shared-secret registration of a server admin (the way the panel makes its own).</summary>
    private static async Task<string> RegisterAdminAsync(HttpClient synapse, string secret)
    {
        var nonce = (await synapse.GetFromJsonAsync<JsonElement>("_synapse/admin/v1/register")).GetProperty("nonce").GetString()!;
        var user = "bench-admin-" + Guid.NewGuid().ToString("N")[..6];
        var password = Guid.NewGuid().ToString("N");
#pragma warning disable CA5350 // Synapse's shared-secret registration prescribes HMAC-SHA1.
        var mac = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA1.HashData(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes($"{nonce}\0{user}\0{password}\0admin")));
#pragma warning restore CA5350
        var response = await synapse.PostAsJsonAsync("_synapse/admin/v1/register", new { nonce, username = user, password, admin = true, mac });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static async Task<long> CircuitsOpenedAsync(HomeserverPanel panel) =>
        (await panel.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/diagnostics")).GetProperty("circuits").GetProperty("opened").GetInt64();

    private static void Must((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Output);
        }
    }

    [GeneratedRegex(@"registration_shared_secret:\s*""?([^""\s]+)""?")]
    private static partial Regex SharedSecret();
}
