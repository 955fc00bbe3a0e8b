using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Panel.Testing;
using Panel.Testing.Workload;

namespace Panel.Bench;

/// <summary>
/// P11: what worker mode buys on this machine. A PostgreSQL homeserver behind the proxy its panel
/// runs; clients in a closed loop (each sends a message to its room, then syncs, as fast as answers
/// come) through the proxy, first against the monolith, then against the main process with two
/// generic workers, in the same run. Reports requests a second and p95 for both, and the CPU each
/// process used. Budget: the workers' throughput at least 1.3 times the monolith's, at an equal or
/// better p95. P11s, in the same run: how long the switch to two generic workers takes (backup excluded,
/// from the operation's start to every process healthy and routed) as Swarm services, against as
/// containers. Report only.
/// </summary>
public static class WorkerThroughput
{
    private const string ServerName = "p11.example.test";

    public static async Task<IReadOnlyList<BenchResult>> MeasureAsync(IReadOnlyDictionary<string, string> panelEnvironment, bool quick)
    {
        var proxyPort = FreePort.Next();
        var environment = new Dictionary<string, string>(panelEnvironment)
        {
            ["Panel__Homeserver__RedisImage"] = "homeserver-panel/redis:latest",
            ["Panel__ReverseProxy__BindAddress"] = "127.0.0.1",
            ["Panel__ReverseProxy__HttpsPort"] = proxyPort.ToString(CultureInfo.InvariantCulture),
            ["Panel__ReverseProxy__HttpPort"] = "0",
        };
        using var ca = new TestCertificateAuthority(TestEnvironment.NewTempDirectory("p11-ca"));
        await using var panel = new HomeserverPanel(environment);
        try
        {
            await panel.StartAsync();
            await panel.InstallAsync(ServerName, "postgres");
            await panel.WaitUntilHealthyAsync();
            using (var certificate = ca.Issue(ServerName))
            {
                var (pem, key) = TestCertificateAuthority.Pem(certificate);
                Check(await panel.Api.Http.PutAsJsonAsync("/api/v1/homeserver/proxy", new { certificate = "provided", certificatePem = pem, keyPem = key }));
                Succeeded(await panel.WaitForOperationAsync("proxy"));
            }

            // Users signed in through the admin API (no password hashing, no rate limits), in rooms of five.
            using var synapse = new HttpClient { BaseAddress = new Uri(await panel.ClientUrlAsync()) };
            var admin = await SharedSecretAdmin.RegisterAsync(synapse, await SharedSecretAdmin.ReadSecretAsync(panel.SynapseContainer));
            var clients = quick ? 12 : 24;
            var users = await WorkloadPopulation.CreateUsersAsync(synapse, admin, ServerName, clients, CancellationToken.None);
            var rooms = new List<WorkloadRoom>();
            for (var r = 0; r < clients / 4; r++)
            {
                rooms.Add(await WorkloadPopulation.CreateRoomAsync(synapse, users, [.. Enumerable.Range(r * 4, 4)], 0, $"P11 room {r}", CancellationToken.None, adminToken: admin));
            }

            var window = TimeSpan.FromSeconds(quick ? 20 : 60);
            var monolith = await LoadAsync(panel, ca, proxyPort, users, rooms, window, [panel.SynapseContainer]);
            Console.WriteLine($"P11 monolith: {monolith}");

            var asContainers = await SwitchAsync(panel, new { genericWorkers = 2 });
            var workers = await LoadAsync(panel, ca, proxyPort, users, rooms, window,
                [panel.SynapseContainer, $"{panel.Instance}-synapse-generic1", $"{panel.Instance}-synapse-generic2"]);
            Console.WriteLine($"P11 two generic workers: {workers}");

            var ratio = workers.RequestsPerSecond / monolith.RequestsPerSecond;
            var details = new Dictionary<string, double>
            {
                ["monolith_requests_per_s"] = monolith.RequestsPerSecond,
                ["monolith_p95_ms"] = monolith.P95,
                ["workers_requests_per_s"] = workers.RequestsPerSecond,
                ["workers_p95_ms"] = workers.P95,
                ["clients"] = clients,
                ["window_s"] = window.TotalSeconds,
            };
            foreach (var (name, cores) in monolith.Cores)
            {
                details[$"monolith_cpu_cores_{name}"] = cores;
            }

            foreach (var (name, cores) in workers.Cores)
            {
                details[$"workers_cpu_cores_{name}"] = cores;
            }

            var throughput = new BenchResult("P11", "sync + send throughput, 2 generic workers", workers.RequestsPerSecond, "req/s", "the monolith, same clients",
                monolith.RequestsPerSecond, ratio, "ratio >= 1.3 at p95 <=", ratio >= 1.3 && workers.P95 <= monolith.P95, details);
            return [throughput, await SwarmOverheadAsync(panel, asContainers)];
        }
        finally
        {
            await DockerTestHelper.RemoveServicesAsync(panel.Instance);
            await DockerTestHelper.RemoveInstanceAsync(panel.Instance);
        }
    }

    /// <summary>Back to one process, then the same two workers as Swarm services on a single-node swarm (left again if this run made it).</summary>
    private static async Task<BenchResult> SwarmOverheadAsync(HomeserverPanel panel, TimeSpan asContainers)
    {
        await SwitchAsync(panel, new { genericWorkers = 0 });
        var joined = await DockerTestHelper.JoinSwarmAsync();
        try
        {
            var asServices = await SwitchAsync(panel, new { genericWorkers = 2, swarm = true });
            await SwitchAsync(panel, new { genericWorkers = 0 });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"P11s switch to two generic workers: {asContainers.TotalSeconds:0.0} s as containers, {asServices.TotalSeconds:0.0} s as Swarm services"));
            return new BenchResult("P11s", "switch to 2 generic workers as Swarm services", asServices.TotalSeconds, "s", "the same switch as containers",
                asContainers.TotalSeconds, asServices / asContainers, "report only", true, new Dictionary<string, double>
                {
                    ["containers_switch_s"] = asContainers.TotalSeconds,
                    ["services_switch_s"] = asServices.TotalSeconds,
                });
        }
        finally
        {
            await DockerTestHelper.RemoveServicesAsync(panel.Instance);
            if (joined)
            {
                await DockerTestHelper.LeaveSwarmAsync();
            }
        }
    }

    /// <summary>Applies a layout and returns how long its operation took, from its start to its end (the backup before it excluded).</summary>
    private static async Task<TimeSpan> SwitchAsync(HomeserverPanel panel, object layout)
    {
        Check(await panel.Api.Http.PutAsJsonAsync("/api/v1/homeserver/workers", layout));
        var view = await panel.WaitForOperationAsync("workers", TimeSpan.FromMinutes(8));
        Succeeded(view);
        return view.Operation!.FinishedAt!.Value - view.Operation.StartedAt;
    }

    private sealed record Load(double RequestsPerSecond, double P95, int Failures, IReadOnlyDictionary<string, double> Cores)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{RequestsPerSecond:0.0} req/s, p95 {P95:0} ms, {Failures} failed; CPU cores: {string.Join(", ", Cores.Select(c => $"{c.Key} {c.Value:0.00}"))}");
    }

    /// <summary>Each client sends to its room, then syncs from where it was, for <paramref name="window"/>; the CPU of <paramref name="processes"/> over the same time.</summary>
    private static async Task<Load> LoadAsync(HomeserverPanel panel, TestCertificateAuthority ca, int proxyPort, IReadOnlyList<WorkloadUser> users, IReadOnlyList<WorkloadRoom> rooms, TimeSpan window, IReadOnlyList<string> processes)
    {
        var clients = users.Select(u =>
        {
            var client = new MatrixClient($"https://{ServerName}:{proxyPort}/", ca.HandlerTo(new IPEndPoint(IPAddress.Loopback, proxyPort)));
            client.Http.DefaultRequestHeaders.Authorization = new("Bearer", u.Token);
            return client;
        }).ToList();
        try
        {
            // A first sync each (initial syncs are not the steady state measured), and a warm-up.
            var since = new string?[clients.Count];
            for (var i = 0; i < clients.Count; i++)
            {
                since[i] = (await clients[i].GetAsync("/_matrix/client/v3/sync?timeout=0")).GetProperty("next_batch").GetString();
            }

            var pids = new Dictionary<string, int>();
            foreach (var p in processes)
            {
                pids[p.Replace($"{panel.Instance}-synapse", "synapse", StringComparison.Ordinal)] = int.Parse((await DockerTestHelper.CliAsync("inspect", "--format", "{{.State.Pid}}", p)).Output.Trim(), CultureInfo.InvariantCulture);
            }

            var latencies = new ConcurrentBag<double>();
            var failures = 0;
            using var stop = new CancellationTokenSource(window);
            var cpuBefore = pids.ToDictionary(p => p.Key, p => ProcessProbes.CpuSeconds(p.Value));
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var room = rooms[i / 4].RoomId;
                var n = 0;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var t = Stopwatch.GetTimestamp();
                        await client.SendTextAsync(room, $"p11 {i} {n++}");
                        latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                        t = Stopwatch.GetTimestamp();
                        since[i] = (await client.GetAsync($"/_matrix/client/v3/sync?timeout=0&since={Uri.EscapeDataString(since[i]!)}")).GetProperty("next_batch").GetString();
                        latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                    catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }));
            var elapsed = watch.Elapsed.TotalSeconds;
            var cores = pids.ToDictionary(p => p.Key, p => (ProcessProbes.CpuSeconds(p.Value) - cpuBefore[p.Key]) / elapsed);
            var all = latencies.ToList();
            return new Load(all.Count / elapsed, Quantiles.Of(all, 0.95), failures, cores);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static void Check(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"The panel answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        }
    }

    private static void Succeeded(Panel.Web.Features.Homeserver.HomeserverView view)
    {
        if (view.Operation is not { Succeeded: true } op)
        {
            throw new InvalidOperationException($"{view.Operation?.Kind} failed: {view.Operation?.Error}");
        }
    }
}
