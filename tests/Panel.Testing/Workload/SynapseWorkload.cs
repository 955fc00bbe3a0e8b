using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Panel.Testing.Workload;

/// <summary>
/// Drives a real Synapse through its real client API: members of the population's rooms long-poll
/// /sync while messages are sent into the rooms at a set rate, until the time or the message count
/// runs out. Measures how long each message takes to reach the syncing members (what a person waits
/// for). Talks to loopback only.
/// </summary>
public sealed class SynapseWorkload : IDisposable
{
    private const string Marker = "workload ";
    private readonly HttpClient _synapse;

    public SynapseWorkload(Uri baseUrl)
    {
        // The workload may only ever load this machine.
        if (!baseUrl.IsLoopback)
        {
            throw new ArgumentException($"The workload runs against loopback only, not {baseUrl}.", nameof(baseUrl));
        }

        _synapse = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromMinutes(10),
        };
    }

    public HttpClient Http => _synapse;

    public Task<WorkloadPopulation> PopulateAsync(string adminToken, string serverName, WorkloadSettings settings, CancellationToken cancellationToken = default) =>
        WorkloadPopulation.CreateAsync(_synapse, adminToken, serverName, settings, cancellationToken);

    public async Task<WorkloadReport> RunAsync(WorkloadPopulation population, WorkloadSettings settings, CancellationToken cancellationToken = default)
    {
        settings.Validate();
        var run = new RunState(settings.Syncers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = Stopwatch.StartNew();
        var syncers = Enumerable.Range(0, settings.Syncers).Select(i => SyncLoopAsync(population.Users[i], run, stop.Token)).ToList();
        // The syncers' first (initial) syncs load every room; messages count from when they all listen.
        await run.AllListeningAsync(cancellationToken);
        await SendLoopAsync(population, settings, run, cancellationToken);
        // A last moment for the latest messages to arrive, then the long polls are ended.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(syncers);
        return new WorkloadReport(population.Users.Count, population.Rooms.Count, population.StateEvents, population.Rooms.Sum(r => r.Members.Count),
            run.Sent, run.SendFailures, run.Syncs, run.SyncFailures, [.. run.Deliveries], watch.Elapsed);
    }

    private async Task SendLoopAsync(WorkloadPopulation population, WorkloadSettings settings, RunState run, CancellationToken cancellationToken)
    {
        var random = new Random(settings.Seed);
        var interval = TimeSpan.FromSeconds(1 / settings.MessagesPerSecond);
        var clock = Stopwatch.StartNew();
        // Sends overlap, as many clients' would; at most this many wait for Synapse at once.
        using var inFlight = new SemaphoreSlim(32);
        var sends = new List<Task>();
        for (var seq = 0; seq < settings.MaxMessages && clock.Elapsed < settings.Duration; seq++)
        {
            var due = interval * seq;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }

            var room = population.Rooms[random.Next(population.Rooms.Count)];
            var sender = population.Users[room.Members[random.Next(room.Members.Count)]];
            await inFlight.WaitAsync(cancellationToken);
            var n = seq;
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    run.SentAt[n] = Stopwatch.GetTimestamp();
                    await WorkloadPopulation.SendAsync(_synapse, HttpMethod.Put,
                        $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.RoomId)}/send/m.room.message/wl{n}",
                        sender.Token, new { msgtype = "m.text", body = Marker + n.ToString(CultureInfo.InvariantCulture) + " " + new string('x', 40 + n % 200) }, cancellationToken);
                    Interlocked.Increment(ref run.Sent);
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
                {
                    Interlocked.Increment(ref run.SendFailures);
                }
                finally
                {
                    inFlight.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(sends);
    }

    private async Task SyncLoopAsync(WorkloadUser user, RunState run, CancellationToken stop)
    {
        string? since = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var path = since is null ? "/_matrix/client/v3/sync?timeout=0" : $"/_matrix/client/v3/sync?timeout=30000&since={Uri.EscapeDataString(since)}";
                var body = await WorkloadPopulation.SendAsync(_synapse, HttpMethod.Get, path, user.Token, null, stop);
                Interlocked.Increment(ref run.Syncs);
                var arrived = Stopwatch.GetTimestamp();
                if (since is not null)
                {
                    Deliveries(body, arrived, run);
                }
                else
                {
                    run.Listening();
                }

                since = body.GetProperty("next_batch").GetString();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Interlocked.Increment(ref run.SyncFailures);
                await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
        }
    }

    private static void Deliveries(JsonElement sync, long arrived, RunState run)
    {
        if (!sync.TryGetProperty("rooms", out var rooms) || !rooms.TryGetProperty("join", out var joined))
        {
            return;
        }

        foreach (var room in joined.EnumerateObject())
        {
            if (!room.Value.TryGetProperty("timeline", out var timeline) || !timeline.TryGetProperty("events", out var events))
            {
                continue;
            }

            foreach (var e in events.EnumerateArray())
            {
                if (e.TryGetProperty("content", out var content) && content.TryGetProperty("body", out var body)
                    && body.GetString() is { } text && text.StartsWith(Marker, StringComparison.Ordinal)
                    && int.TryParse(text.AsSpan(Marker.Length, text.IndexOf(' ', Marker.Length) - Marker.Length), CultureInfo.InvariantCulture, out var n)
                    && run.SentAt.TryGetValue(n, out var sent))
                {
                    run.Deliveries.Add(Stopwatch.GetElapsedTime(sent, arrived).TotalMilliseconds);
                }
            }
        }
    }

    public void Dispose() => _synapse.Dispose();

    private sealed class RunState(int syncers)
    {
        private readonly TaskCompletionSource _allListening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _listening;
        public int Sent;
        public int SendFailures;
        public int Syncs;
        public int SyncFailures;

        public ConcurrentDictionary<int, long> SentAt { get; } = new();

        public ConcurrentBag<double> Deliveries { get; } = [];

        public void Listening()
        {
            if (Interlocked.Increment(ref _listening) == syncers)
            {
                _allListening.TrySetResult();
            }
        }

        /// <summary>Every syncer has its first (initial) sync.</summary>
        public Task AllListeningAsync(CancellationToken cancellationToken) => _allListening.Task.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
    }
}
