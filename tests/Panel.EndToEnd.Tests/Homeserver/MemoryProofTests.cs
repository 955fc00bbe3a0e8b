using System.Net.Http.Json;
using Panel.Domain.Homeserver;
using Panel.EndToEnd.Tests.Invites;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Homeserver;

/// <summary>A homeserver whose comparison windows are short enough for a test: 45 s each, after a 10 s warm-up.</summary>
public sealed class MemoryProofFixture() : InstalledHomeserverFixture(new Dictionary<string, string>
{
    ["Panel__Homeserver__MemoryComparisonWindow"] = "00:00:45",
    ["Panel__Homeserver__MemoryWarmUp"] = "00:00:10",
}, "proof.example.test");

/// <summary>
/// The proof of a profile change and the memory incidents, on the real engine and the real Synapse
/// image: real samples from Docker's stats stream and real request counts from Synapse's metrics.
/// </summary>
public sealed class MemoryProofTests(MemoryProofFixture hs) : IClassFixture<MemoryProofFixture>
{
    private const long MiB = 1024L * 1024;

    [Fact]
    public async Task A_profile_change_is_compared_over_real_windows_before_and_after_it()
    {
        // The window before needs the panel to have watched Synapse for as long as the window.
        // (Points are minutes: a first one that began 105 s ago holds samples from at least 46 s ago.)
        await Eventually.UntilAsync(async () => (await hs.Api.GetAsync<Panel.Web.Features.Monitoring.MetricSeries>("/api/v1/metrics/containers/homeserver?range=1h")).Points.FirstOrDefault(p => p.MemoryAvg is not null)?.Time,
            first => first <= DateTimeOffset.UtcNow.AddSeconds(-105), TimeSpan.FromMinutes(3), "A window's length of Synapse's memory in the panel's history", TimeSpan.FromSeconds(5));
        // Some load, so that the windows have requests to compare.
        await hs.Api.CreateUserAsync(new Panel.Web.Features.Users.CreateUserRequest("syncer", null, "the syncer's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("syncer", "the syncer's long password");
        using var load = new CancellationTokenSource();
        var syncs = SyncLoopAsync(client, load.Token);

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Small), PanelApi.Json, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await hs.WaitForOperationAsync("configure")).Operation!.Succeeded.ShouldBeTrue();

        var change = (await hs.Api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history")).First();
        change.Status.ShouldBe(MemoryChangeStatus.Measuring);
        change.Before.ShouldNotBeNull("the panel sampled Synapse before the change");
        change.Before.Samples.ShouldBeGreaterThanOrEqualTo(30, "about one sample a second over 45 s");
        change.Before.MedianBytes.ShouldBeGreaterThan(50 * MiB);
        change.Before.Requests.ShouldNotBeNull("Synapse's metrics are read");
        change.Before.Requests!.Value.ShouldBeGreaterThan(0);

        var measured = await Eventually.UntilAsync(async () => (await hs.Api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history")).First(),
            c => c.Status != MemoryChangeStatus.Measuring, TimeSpan.FromMinutes(3), "The window after the change", TimeSpan.FromSeconds(2));
        await load.CancelAsync();
        await syncs;

        measured.Status.ShouldBe(MemoryChangeStatus.Measured);
        measured.After!.Samples.ShouldBeGreaterThanOrEqualTo(30);
        measured.After.From.ShouldBe(measured.AppliedAt.AddSeconds(10), "the warm-up is left out");
        measured.After.Syncs.ShouldNotBeNull();
        measured.After.Syncs!.Value.ShouldBeGreaterThan(0, "the client kept syncing");
        measured.Effect.ShouldNotBeNull();
        measured.EffectText!.ShouldStartWith("Median ");
    }

    [Fact]
    public async Task An_out_of_memory_kill_in_Synapses_container_is_shown_with_its_curve_and_a_profile_that_fits()
    {
        // Something in Synapse's container takes more memory than its limit: the kernel kills it and
        // Docker reports an OOM event for the container.
        var limit = (await DockerTestHelper.InspectAsync(hs.SynapseContainer))!.HostConfig!.Memory;
        await DockerTestHelper.CliAsync("exec", hs.SynapseContainer, "python3", "-c", $"b = bytearray({limit + 256 * MiB})");

        var view = await Eventually.UntilAsync(() => hs.Api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile"),
            v => v.Incident is not null, TimeSpan.FromSeconds(60), "The OOM kill on the Homeserver page", TimeSpan.FromSeconds(1));

        view.Incident!.Kind.ShouldBe("oom");
        view.Incident.Description.ShouldContain("ran out of memory");
        view.Incident.Curve.ShouldNotBeEmpty("the memory curve up to it");
        view.Incident.Curve.ShouldContain(p => p.MemoryMaxBytes != null);
        view.Pressure.ShouldNotBeNull("this machine's kernel reports memory pressure");
        (await hs.GetHomeserverAsync()).Health.ShouldBe("healthy", "only the process that took the memory was killed");
    }

    [Fact]
    public async Task The_workload_drives_Synapse_through_its_real_APIs_within_its_bounds_and_measures_delivery()
    {
        var settings = WorkloadSettings.Light with { Duration = TimeSpan.FromSeconds(15), MaxMessages = 40 };
        using var workload = new SynapseWorkload(new Uri(await hs.ClientUrlAsync()));
        var admin = await SharedSecretAdmin.RegisterAsync(workload.Http, await SharedSecretAdmin.ReadSecretAsync(hs.SynapseContainer));

        var population = await workload.PopulateAsync(admin, hs.ServerName, settings);
        var report = await workload.RunAsync(population, settings);

        population.Users.Count.ShouldBe(settings.Users);
        population.Rooms.Count.ShouldBe(settings.Rooms);
        using var member = new MatrixClient(await hs.ClientUrlAsync());
        member.Http.DefaultRequestHeaders.Authorization = new("Bearer", population.Users[population.Rooms[0].Members[^1]].Token);
        (await member.JoinedRoomsAsync()).ShouldContain(population.Rooms[0].RoomId, "members joined their rooms");
        var state = await member.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(population.Rooms[0].RoomId)}/state");
        state.GetArrayLength().ShouldBeGreaterThanOrEqualTo(settings.StateEventsPerRoom + settings.MembersPerRoom, "the room's state events and memberships");
        report.MessagesSent.ShouldBe(40, "bounded by the count before the time");
        report.SendFailures.ShouldBe(0);
        report.DeliveryMilliseconds.Count.ShouldBeGreaterThan(40, "each message reaches every syncing member of its room");
        report.DeliveryQuantile(0.95).ShouldBeGreaterThan(0);
        Should.Throw<ArgumentException>(() => new SynapseWorkload(new Uri("http://192.0.2.1:8008"))).Message.ShouldContain("loopback only");
    }

    private static async Task SyncLoopAsync(MatrixClient client, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await client.GetAsync("/_matrix/client/v3/sync?timeout=0");
                await Task.Delay(500, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                // Synapse restarts with the new profile: the client tries again, as clients do.
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }
}
