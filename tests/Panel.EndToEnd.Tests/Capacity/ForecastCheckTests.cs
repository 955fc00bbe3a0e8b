using System.Net;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Serial;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.Capacity;

namespace Panel.EndToEnd.Tests.Capacity;

/// <summary>A homeserver whose capacity snapshots come every 15 s (and each takes the memory of the last 15 s).</summary>
public sealed class ForecastFixture() : InstalledHomeserverFixture(new Dictionary<string, string>
{
    ["Panel__Capacity__SnapshotInterval"] = "00:00:15",
}, "forecast.example.test");

/// <summary>
/// The forecast checked against the real Synapse: the server grows through rooms of 100, 300 and
/// 600 members with syncing users, the panel fits its model, forecasts a room of 1,200, and then
/// that room is made and measured. Alone on the machine: the memory it measures is Synapse's, and
/// the CPU the growth takes would slow everything else.
/// </summary>
[Trait("Category", "Serial")]
[Collection(MachineAlone.Name)]
public sealed class ForecastCheckTests(ForecastFixture hs) : IClassFixture<ForecastFixture>
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public async Task The_forecast_for_the_next_room_is_within_35_percent_of_what_Synapse_then_takes()
    {
        using var workload = new SynapseWorkload(new Uri(await hs.ClientUrlAsync()));
        var admin = await SharedSecretAdmin.RegisterAsync(workload.Http, await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer));
        var users = await WorkloadPopulation.CreateUsersAsync(workload.Http, admin, hs.ServerName, 1200, TestContext.Current.CancellationToken);
        using var stop = new CancellationTokenSource();
        // Ten people who use the server: they are in every room and keep syncing.
        var syncers = users.Take(10).Select(u => SyncAsync(workload.Http, u, stop.Token)).ToList();

        foreach (var size in new[] { 100, 300, 600 })
        {
            await GrowAsync(workload, admin, users, size);
            for (var i = 0; i < 3; i++)
            {
                await SnapshotAsync();
                await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            }
        }

        var before = await SnapshotAsync();
        var forecast = await hs.Api.PostAsync<ForecastAnswer>("/api/v1/forecast", new ForecastRequest(RoomsOfSize: [new RoomOfSize(1200, 1200 + 6)]), HttpStatusCode.OK);
        await GrowAsync(workload, admin, users, 1200);
        var after = await SnapshotAsync();
        await stop.CancelAsync();
        await Task.WhenAll(syncers);

        var taken = (after.MemoryBytes!.Value - before.MemoryBytes!.Value) / MiB;
        var predicted = forecast.TotalBytes / MiB;
        var report = await hs.Api.GetAsync<CapacityReport>("/api/v1/verdict");
        TestContext.Current.SendDiagnosticMessage($"forecast {predicted:0.0} MiB ± {forecast.UncertaintyBytes / MiB:0.0}, taken {taken:0.0} MiB; model {report.Model.Description}");
        File.WriteAllText(Path.Combine(TestEnvironment.ArtifactsDirectory, "forecast-check.txt"),
            $"forecast {predicted:0.0} MiB ± {forecast.UncertaintyBytes / MiB:0.0}; taken {taken:0.0} MiB (before {before.MemoryBytes / MiB:0.0}, after {after.MemoryBytes / MiB:0.0}); model {report.Model.Description}\n");
        taken.ShouldBeGreaterThan(0, "a room of 1,200 members costs memory");
        predicted.ShouldBeGreaterThan(0);
        Math.Abs(predicted - taken).ShouldBeLessThanOrEqualTo(0.35 * taken, $"forecast {predicted:0.0} MiB, taken {taken:0.0} MiB; {report.Model.Description}");
        report.Model.Points.ShouldBeGreaterThanOrEqualTo(9);
    }

    /// <summary>A room of <paramref name="size"/> members (the first users, so the syncing ones are in it), then time for Synapse to settle.</summary>
    private static async Task GrowAsync(SynapseWorkload workload, string admin, IReadOnlyList<WorkloadUser> users, int size)
    {
        await WorkloadPopulation.CreateRoomAsync(workload.Http, users, [.. Enumerable.Range(0, size)], 5, $"Room of {size}", TestContext.Current.CancellationToken, adminToken: admin);
        await Task.Delay(TimeSpan.FromSeconds(25), TestContext.Current.CancellationToken);
    }

    private async Task<CapacitySnapshotView> SnapshotAsync() =>
        await hs.Api.PostAsync<CapacitySnapshotView>("/api/v1/capacity/snapshots", new { }, HttpStatusCode.OK);

    private static async Task SyncAsync(HttpClient synapse, WorkloadUser user, CancellationToken stop)
    {
        using var client = new MatrixClient(synapse.BaseAddress!.ToString());
        client.Http.DefaultRequestHeaders.Authorization = new("Bearer", user.Token);
        string? since = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var sync = await client.GetAsync(since is null ? "/_matrix/client/v3/sync?timeout=0" : $"/_matrix/client/v3/sync?timeout=10000&since={Uri.EscapeDataString(since)}");
                since = sync.GetProperty("next_batch").GetString();
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }
}
