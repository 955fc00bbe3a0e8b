using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Serial;
using Panel.Testing;
using Panel.Testing.Workload;
using Panel.Web.Features.Capacity;

namespace Panel.EndToEnd.Tests.Capacity;

/// <summary>A homeserver on which the workload's users count as active; its snapshots are the ones the steps take.</summary>
public sealed class ForecastFixture() : InstalledHomeserverFixture(new Dictionary<string, string>
{
    [GrowthSteps.TrackWorkloadUsers.Key] = GrowthSteps.TrackWorkloadUsers.Value,
    [GrowthSteps.ShortWarmUp.Key] = GrowthSteps.ShortWarmUp.Value,
}, "forecast.example.test");

/// <summary>
/// The forecast checked against the real Synapse: the server grows through rooms of 100, 300 and
/// 600 members with syncing users (GrowthSteps), the panel fits its model, forecasts the next room,
/// of 900, and then that room is made and measured. A room of 1,200 is a doubling, where the linear
/// model is known to overshoot by about a quarter (ADR-010: what a member costs falls as Synapse's
/// per-user caches fill); bench P8 measures that extrapolation. Alone on the machine: the memory it
/// measures is Synapse's, and the CPU the growth takes would slow everything else.
/// </summary>
[Trait("Category", "Serial")]
[Collection(MachineAlone.Name)]
public sealed class ForecastCheckTests(ForecastFixture hs) : IClassFixture<ForecastFixture>
{
    private const double MiB = 1024 * 1024;

    /// <summary>The step forecast and then taken.</summary>
    private const int Next = 900;

    [Fact]
    public async Task The_forecast_for_the_next_room_is_within_35_percent_or_its_stated_band_of_what_Synapse_then_takes()
    {
        await using var steps = await GrowthSteps.StartAsync(hs, hs.ServerName, Next);
        // The first two steps are measured after one restart each: they only add points to the fit.
        // The room before the forecast one is measured as the forecast room is, after two restarts,
        // since the difference of those two is what the forecast is checked against.
        await steps.GrowAsync(100, measurements: 1);
        await steps.GrowAsync(300, measurements: 1);
        var before = await steps.GrowAsync(600);

        var forecast = await steps.ForecastRoomAsync(Next);
        var after = await steps.GrowAsync(Next);

        var taken = after - before;
        var predicted = forecast.TotalBytes / MiB;
        var report = await hs.Api.GetAsync<CapacityReport>("/api/v1/verdict");
        // Every snapshot the model was fitted on, for reading a miss.
        var points = await hs.Api.GetAsync<List<CapacitySnapshotView>>("/api/v1/capacity/snapshots?days=1");
        File.WriteAllText(Path.Combine(TestEnvironment.ArtifactsDirectory, "forecast-check.txt"),
            $"forecast {predicted:0.0} MiB ± {forecast.UncertaintyBytes / MiB:0.0}; taken {taken:0.0} MiB (before {before:0.0}, after {after:0.0}); model {report.Model.Description}\n"
            + string.Join("\n", points.Select(p => $"{p.Time:HH:mm:ss} {p.Shape} {(p.MemoryBytes is { } m ? $"{m / MiB:0.0} MiB" : "no memory")}")) + "\n");
        taken.ShouldBeGreaterThan(0, "a room of 900 members costs memory");
        predicted.ShouldBeGreaterThan(0);
        // Right when what Synapse took is within 35 % of the forecast, or within the 95 % band the page
        // shows with it ("12.7 ± 3.3 MiB"): a room of 900 costs some 10 MiB, where a few MiB of noise in
        // two memory readings is a third of the figure (a CI run missed 35 % by 0.03 MiB, inside the band).
        var band = forecast.UncertaintyBytes / MiB;
        Math.Abs(predicted - taken).ShouldBeLessThanOrEqualTo(Math.Max(0.35 * taken, band),
            $"forecast {predicted:0.0} ± {band:0.0} MiB, taken {taken:0.0} MiB; {report.Model.Description}");
        report.Model.Points.ShouldBeGreaterThanOrEqualTo(9, "six restarts of three snapshots each");
    }
}
