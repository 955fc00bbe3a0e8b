using System.Net;
using Panel.Web.Features.Capacity;

namespace Panel.Testing.Workload;

/// <summary>
/// Grows a real Synapse, managed by a real panel, one room at a time, and measures it as the panel
/// does: for the forecast check (a test) and its bench measure (P8). Ten users sync all the while.
/// After each room Synapse restarts, its users sync from scratch and every room gets a few
/// messages: what is then measured is the memory of a server of that shape in use, not what
/// making the rooms left behind.
/// </summary>
public sealed class GrowthSteps : IAsyncDisposable
{
    /// <summary>
    /// The panel setting that lets Synapse see the workload's users as active: they are signed in
    /// through the admin API (no password hashing, and no login rate limit), and Synapse counts
    /// the activity of such sessions for the user only with <c>track_puppeted_user_ips</c>.
    /// </summary>
    public static readonly KeyValuePair<string, string> TrackWorkloadUsers = new("Panel__Homeserver__SynapseConfig__track_puppeted_user_ips", "true");

    /// <summary>
    /// The panel's warm-up after a restart, shortened for the steps: their snapshots then take the
    /// memory of the settled half-minute before them, not the climb after the start.
    /// </summary>
    public static readonly KeyValuePair<string, string> ShortWarmUp = new("Panel__Capacity__MemoryWarmUp", "00:00:25");

    private readonly HomeserverPanel _panel;
    private readonly SynapseWorkload _workload;
    private readonly string _admin;
    private readonly IReadOnlyList<WorkloadUser> _users;
    private readonly List<WorkloadRoom> _rooms = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _syncers;

    // One initial sync at a time: ten at once make a peak whose leftovers in Synapse's heap differ
    // from one restart to the next, and that noise is larger than what a small room costs.
    private readonly SemaphoreSlim _initialSyncs = new(1, 1);
    private int _epoch;

    private GrowthSteps(HomeserverPanel panel, SynapseWorkload workload, string admin, IReadOnlyList<WorkloadUser> users)
    {
        (_panel, _workload, _admin, _users) = (panel, workload, admin, users);
        _syncers = [.. users.Take(10).Select(SyncAsync)];
    }

    /// <summary>Makes <paramref name="users"/> users (enough for the largest room) and starts ten of them syncing.</summary>
    public static async Task<GrowthSteps> StartAsync(HomeserverPanel panel, string serverName, int users)
    {
        var workload = new SynapseWorkload(new Uri(await panel.ClientUrlAsync()));
        var admin = await SharedSecretAdmin.RegisterAsync(workload.Http, await SharedSecretAdmin.ReadSecretAsync(panel.SynapseContainer));
        var made = await WorkloadPopulation.CreateUsersAsync(workload.Http, admin, serverName, users, CancellationToken.None);
        return new GrowthSteps(panel, workload, admin, made);
    }

    /// <summary>
    /// A room of <paramref name="size"/> members (the first users, so the syncing ones are in it),
    /// then Synapse measured after <see cref="Measurements"/> restarts, each followed by activity,
    /// time to settle and snapshots taken at the same time after it (Synapse's memory keeps growing
    /// for a while after a restart). Answers the mean of the restarts' memory, in MiB: one restart's
    /// figure differs from the next by a few MiB, as much as a small room costs.
    /// <paramref name="measurements"/> below <see cref="Measurements"/> is for steps that only add
    /// points to the model's fit, where a restart's noise is averaged by the others' points.
    /// </summary>
    public async Task<double> GrowAsync(int size, int measurements = Measurements)
    {
        _rooms.Add(await WorkloadPopulation.CreateRoomAsync(_workload.Http, _users, [.. Enumerable.Range(0, size)], 5, $"Room of {size}", CancellationToken.None, adminToken: _admin));
        var memory = new List<double>();
        for (var m = 0; m < measurements; m++)
        {
            memory.Add(await RestartAndMeasureAsync());
        }

        return memory.Average();
    }

    /// <summary>Restarts of Synapse measured per step.</summary>
    public const int Measurements = 2;

    private async Task<double> RestartAndMeasureAsync()
    {
        await DockerTestHelper.CliAsync("restart", _panel.SynapseContainer);
        await _panel.WaitUntilHealthyAsync();
        Interlocked.Increment(ref _epoch);
        using var sender = new MatrixClient(_workload.Http.BaseAddress!.ToString());
        sender.Http.DefaultRequestHeaders.Authorization = new("Bearer", _users[0].Token);
        foreach (var room in _rooms)
        {
            for (var i = 0; i < 3; i++)
            {
                await sender.SendTextAsync(room.RoomId, $"message {i} in a room of {room.Members.Count}");
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(55));
        var first = await SnapshotAsync();
        // More points for the model to fit on, from the same settled server.
        for (var i = 0; i < 2; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            await SnapshotAsync();
        }

        return first.MemoryBytes!.Value / 1048576.0;
    }

    /// <summary>A capacity snapshot, taken now by the panel.</summary>
    public Task<CapacitySnapshotView> SnapshotAsync() => _panel.Api.PostAsync<CapacitySnapshotView>("/api/v1/capacity/snapshots", new { }, HttpStatusCode.OK);

    /// <summary>The panel's forecast for joining a room of <paramref name="members"/> like the ones made here.</summary>
    public Task<ForecastAnswer> ForecastRoomAsync(int members) =>
        _panel.Api.PostAsync<ForecastAnswer>("/api/v1/forecast", new ForecastRequest(RoomsOfSize: [new RoomOfSize(members, members + 6)]), HttpStatusCode.OK);

    private async Task SyncAsync(WorkloadUser user)
    {
        using var client = new MatrixClient(_workload.Http.BaseAddress!.ToString());
        client.Http.DefaultRequestHeaders.Authorization = new("Bearer", user.Token);
        string? since = null;
        var epoch = Volatile.Read(ref _epoch);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // After a restart the clients start again from an initial sync, as after a long absence.
                if (epoch != Volatile.Read(ref _epoch))
                {
                    (epoch, since) = (Volatile.Read(ref _epoch), null);
                }

                if (since is null)
                {
                    await _initialSyncs.WaitAsync(_stop.Token);
                    try
                    {
                        since = (await client.GetAsync("/_matrix/client/v3/sync?timeout=0")).GetProperty("next_batch").GetString();
                    }
                    finally
                    {
                        _initialSyncs.Release();
                    }
                }
                else
                {
                    since = (await client.GetAsync($"/_matrix/client/v3/sync?timeout=10000&since={Uri.EscapeDataString(since)}")).GetProperty("next_batch").GetString();
                }
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_syncers);
        _workload.Dispose();
        _stop.Dispose();
        _initialSyncs.Dispose();
    }
}
