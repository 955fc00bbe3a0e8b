using System.Diagnostics;
using System.Net.Http.Json;
using Docker.DotNet.Models;
using Panel.Domain.Homeserver;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.Homeserver;

namespace Panel.Bench;

/// <summary>
/// P7: Synapse's memory under the same workload with the profile the panel recommends for a 1 GiB
/// limit, against the config the panel generated before it had profiles (factor 0.5, no jemalloc,
/// presence on). Both run side by side from fresh volumes, on the same image, with the same limit,
/// the same population and the same messages; their memory is sampled alternately over one window.
/// </summary>
public static class SynapseMemory
{
    private const long GiB = 1024L * 1024 * 1024;

    public static async Task<BenchResult> ProfilesAsync(HomeserverPanel panel, bool quick, bool trace, string? workload)
    {
        // The panel's config as installed (what it generated before profiles), then the recommended profile's.
        var before = await ConfigFilesAsync(panel, "p7-before");
        var view = await panel.Api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile");
        if (view.Current.Profile != MemoryProfile.Custom || view.Current.Presence != true || view.Current.CacheAutotuning)
        {
            throw new InvalidOperationException($"P7 needs the config the panel generates at install as its baseline; found {view.CurrentSummary}");
        }

        var recommended = MemoryProfiles.Recommend(GiB, view.HostMemoryBytes ?? GiB);
        (await panel.Api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(recommended, GiB), PanelApi.Json)).EnsureSuccessStatusCode();
        var applied = await panel.WaitForOperationAsync("configure");
        if (applied.Operation is not { Succeeded: true })
        {
            throw new InvalidOperationException($"Applying {recommended} failed: {applied.Operation?.Error}");
        }

        var after = await ConfigFilesAsync(panel, "p7-after");
        var image = (await DockerTestHelper.InspectAsync(panel.SynapseContainer))!.Config!.Image;
        var settings = WorkloadSettings.Parse(workload, quick ? WorkloadSettings.Heavy with { Users = 500, MembersPerRoom = 500, Duration = TimeSpan.FromSeconds(60) } : WorkloadSettings.Heavy);
        await using var old = await BareSynapse.StartAsync($"{panel.Instance}-p7-before", image, before, GiB, jemalloc: false);
        await using var profiled = await BareSynapse.StartAsync($"{panel.Instance}-p7-after", image, after, GiB, jemalloc: true);

        // The window is the whole workload: making the large rooms (their state is what fills Synapse's
        // caches, as joining large rooms does) and then the clients syncing and talking in them. Both
        // servers get the same, at the same time; their memory is read alternately, once per period.
        using var stop = new CancellationTokenSource();
        var samples = SampleAsync(old, profiled, trace, stop.Token);
        var window = Stopwatch.StartNew();
        var secret = await SharedSecretAdmin.ReadSecretAsync(panel.SynapseContainer);
        var populations = await Task.WhenAll(old.PopulateAsync(secret, settings), profiled.PopulateAsync(secret, settings));
        Console.WriteLine($"[P7] populated both in {window.Elapsed.TotalSeconds:0} s: {settings}");
        var reports = await Task.WhenAll(old.Workload.RunAsync(populations[0], settings), profiled.Workload.RunAsync(populations[1], settings));
        await stop.CancelAsync();
        var (oldMemory, newMemory, oldPss, newPss) = await samples;
        Console.WriteLine($"[P7] before: {reports[0]}");
        Console.WriteLine($"[P7] {recommended}: {reports[1]}");

        var ratio = Median(newMemory) / Median(oldMemory);
        var pssRatio = Median(newPss) / Median(oldPss);
        var latencyRatio = reports[1].DeliveryQuantile(0.95) / reports[0].DeliveryQuantile(0.95);
        return new BenchResult("P7", $"Synapse memory, {recommended} for 1 GiB vs before", Median(newMemory), "bytes", "the pre-profile config, same workload",
            Median(oldMemory), ratio, "ratio <= 0.7; p95 latency <= 1.3", ratio <= 0.7 && latencyRatio <= 1.3,
            new Dictionary<string, double>
            {
                ["container memory median before MiB"] = Median(oldMemory) / 1048576,
                ["container memory median after MiB"] = Median(newMemory) / 1048576,
                ["container memory max before MiB"] = oldMemory.Max() / 1048576,
                ["container memory max after MiB"] = newMemory.Max() / 1048576,
                ["PSS median before MiB"] = Median(oldPss) / 1048576,
                ["PSS median after MiB"] = Median(newPss) / 1048576,
                ["PSS ratio"] = pssRatio,
                ["sync delivery p95 before ms"] = reports[0].DeliveryQuantile(0.95),
                ["sync delivery p95 after ms"] = reports[1].DeliveryQuantile(0.95),
                ["sync delivery p95 ratio"] = latencyRatio,
                ["sync delivery p50 before ms"] = reports[0].DeliveryQuantile(0.5),
                ["sync delivery p50 after ms"] = reports[1].DeliveryQuantile(0.5),
                ["messages sent before"] = reports[0].MessagesSent,
                ["messages sent after"] = reports[1].MessagesSent,
                ["samples each"] = oldMemory.Count,
                ["window s"] = window.Elapsed.TotalSeconds,
                ["of which the workload's run s"] = reports.Max(r => r.Elapsed.TotalSeconds),
            });
    }

    private static async Task<(List<double>, List<double>, List<double>, List<double>)> SampleAsync(BareSynapse a, BareSynapse b, bool trace, CancellationToken stop)
    {
        List<double> memA = [], memB = [], pssA = [], pssB = [];
        var watch = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            memA.Add(await a.ContainerMemoryAsync());
            pssA.Add(a.Pss());
            memB.Add(await b.ContainerMemoryAsync());
            pssB.Add(b.Pss());
            if (trace && memA.Count % 5 == 0)
            {
                Console.WriteLine($"[P7] {watch.Elapsed.TotalSeconds,5:0} s  before {memA[^1] / 1048576,6:0} MiB (PSS {pssA[^1] / 1048576,6:0})  after {memB[^1] / 1048576,6:0} MiB (PSS {pssB[^1] / 1048576,6:0})");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (memA, memB, pssA, pssB);
    }

    private static double Median(List<double> values) => Quantiles.Of(values, 0.5);

    /// <summary>The /data files the panel wrote (config, log config, signing key), copied to a directory.</summary>
    private static async Task<string> ConfigFilesAsync(HomeserverPanel panel, string name)
    {
        var files = TestEnvironment.NewTempDirectory(name);
        var listing = await DockerTestHelper.ExecAsync(panel.SynapseContainer, "ls", "/data");
        foreach (var file in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                     .Where(n => n.EndsWith(".yaml", StringComparison.Ordinal) || n.EndsWith(".key", StringComparison.Ordinal) || n.EndsWith(".config", StringComparison.Ordinal)))
        {
            await File.WriteAllTextAsync(Path.Combine(files, file), await DockerTestHelper.ReadFileAsync(panel.SynapseContainer, "/data/" + file));
        }

        return files;
    }

    /// <summary>A Synapse started by hand from a copy of the panel's files, with its own fresh volume.</summary>
    private sealed class BareSynapse : IAsyncDisposable
    {
        private BareSynapse(string name, int port)
        {
            Name = name;
            Port = port;
            Workload = new SynapseWorkload(new Uri($"http://127.0.0.1:{port}"));
        }

        public string Name { get; }

        public int Port { get; }

        public SynapseWorkload Workload { get; }

        private int Pid { get; set; }

        public static async Task<BareSynapse> StartAsync(string name, string image, string files, long limit, bool jemalloc)
        {
            var synapse = new BareSynapse(name, FreePort.Next());
            Must(await DockerTestHelper.CliAsync("create", "--name", name, "--label", "homeserver-panel.test=true", "-p", $"127.0.0.1:{synapse.Port}:8008",
                "-m", limit.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", $"SYNAPSE_JEMALLOC={(jemalloc ? 1 : 0)}", "-v", $"{name}-data:/data", image));
            Must(await DockerTestHelper.CliAsync("cp", files + "/.", $"{name}:/data/"));
            Must(await DockerTestHelper.CliAsync("start", name));
            await Eventually.UntilAsync(async () =>
            {
                try
                {
                    return (await synapse.Workload.Http.GetAsync("/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, ok => ok, TimeSpan.FromMinutes(3), $"{name} answering /health", TimeSpan.FromMilliseconds(200));
            synapse.Pid = (int)(await DockerTestHelper.InspectAsync(name))!.State!.Pid;
            return synapse;
        }

        public async Task<WorkloadPopulation> PopulateAsync(string secret, WorkloadSettings settings)
        {
            var admin = await SharedSecretAdmin.RegisterAsync(Workload.Http, secret);
            return await Workload.PopulateAsync(admin, "bench.example.test", settings);
        }

        /// <summary>The container's memory as `docker stats` shows it: usage less the inactive file cache.</summary>
        public async Task<double> ContainerMemoryAsync()
        {
            var last = new LastReport();
            await DockerTestHelper.Client.Containers.GetContainerStatsAsync(Name, new ContainerStatsParameters { Stream = false, OneShot = true }, last);
            var m = last.Value?.MemoryStats ?? throw new InvalidOperationException($"{Name} gave no memory figures.");
            var counters = m.Stats ?? new Dictionary<string, ulong>();
            var inactive = counters.TryGetValue("total_inactive_file", out var v1) ? v1 : counters.TryGetValue("inactive_file", out var v2) ? v2 : 0;
            return (double)(m.Usage ?? 0) - inactive;
        }

        public double Pss() => ProcessProbes.Smaps(Pid).Pss;

        public async ValueTask DisposeAsync()
        {
            Workload.Dispose();
            await DockerTestHelper.CliAsync("rm", "-f", Name);
            await DockerTestHelper.CliAsync("volume", "rm", $"{Name}-data");
        }

        /// <summary>Keeps the report as it arrives (Progress&lt;T&gt; would post it later, after the call returned).</summary>
        private sealed class LastReport : IProgress<ContainerStatsResponse>
        {
            public ContainerStatsResponse? Value { get; private set; }

            public void Report(ContainerStatsResponse value) => Value = value;
        }

        private static void Must((int ExitCode, string Output) result)
        {
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(result.Output);
            }
        }
    }
}
