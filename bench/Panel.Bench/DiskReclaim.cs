using System.Diagnostics;
using System.Globalization;
using System.Net;
using Panel.Testing;
using Panel.Testing.Slack;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.Storage;

namespace Panel.Bench;

/// <summary>
/// P10: what "purge history older than 30 days + VACUUM FULL" gives back, on a homeserver on
/// PostgreSQL holding two years of messages (the Slack generator's export, imported with its original
/// times): database bytes after against before; and the time Synapse was down for the vacuum against
/// a bare `docker stop` + `docker start` of the same container until /health answers.
/// </summary>
public static class DiskReclaim
{
    public static async Task<BenchResult> MeasureAsync(IDictionary<string, string> environment, bool quick)
    {
        await using var panel = new HomeserverPanel(environment);
        await panel.StartAsync();
        await panel.InstallAsync("p10.bench.test", "postgres");
        await panel.WaitUntilHealthyAsync(TimeSpan.FromMinutes(5));

        // Two years up to today, so that the last 30 days stay.
        var from = DateTimeOffset.UtcNow.AddDays(-730);
        var shape = quick ? new SlackExportGenerator.Shape(Messages: 1000, Days: 730, From: from) : new SlackExportGenerator.Shape(From: from);
        var export = SlackExportGenerator.Write(Path.Combine(TestEnvironment.NewTempDirectory("p10"), "Two years.zip"), shape);
        await SlackImportRate.ImportAsync(panel, await SlackImportRate.UploadAsync(panel, export.Path));
        var before = await DatabaseBytesAsync(panel);

        // Every room, history before 30 days ago, ghosts' messages included (they are this server's users).
        var cutoff = DateTimeOffset.UtcNow.AddDays(-30);
        var rooms = await panel.Api.GetAsync<RoomList>("/api/v1/rooms?limit=500");
        long removed = 0;
        foreach (var room in rooms.Rooms.Where(r => !r.Space))
        {
            var purge = await panel.Api.PostAsync<RoomOperation>($"/api/v1/rooms/{Uri.EscapeDataString(room.RoomId)}/purge",
                new { deleteLocalEvents = true, before = cutoff }, HttpStatusCode.Accepted);
            var done = await Eventually.UntilAsync(() => panel.Api.GetAsync<RoomOperation>($"/api/v1/rooms/operations/{purge.Id}"),
                o => o.FinishedAt is not null || o.Status == "failed", TimeSpan.FromMinutes(10), "a purge", TimeSpan.FromMilliseconds(500));
            removed += done.Purge?.Removed ?? 0;
        }

        var purged = await DatabaseBytesAsync(panel);
        await panel.Api.PostAsync<VacuumPlan>("/api/v1/storage/vacuum", new VacuumRequest(Full: true, Confirm: true), HttpStatusCode.Accepted);
        var vacuum = (await panel.WaitForOperationAsync(DatabaseMaintenance.Kind, TimeSpan.FromMinutes(30))).Operation!;
        if (!vacuum.Succeeded)
        {
            throw new InvalidOperationException("VACUUM FULL failed: " + vacuum.Error);
        }

        var after = await DatabaseBytesAsync(panel);
        // Down: from the stop step's start to the health step's end, as the operation timed them.
        var down = (vacuum.Steps.Single(s => s.Key == "health").FinishedAt!.Value - vacuum.Steps.Single(s => s.Key == "stop").StartedAt!.Value).TotalSeconds;
        var bare = await BareRestartSecondsAsync(panel);
        var ratio = (double)after / before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[P10] {shape.Messages} messages over {shape.Days} days: database {before / 1048576.0:0.0} MiB, {purged / 1048576.0:0.0} after the purge ({removed:N0} events), {after / 1048576.0:0.0} after VACUUM FULL; Synapse down {down:0.0} s, bare stop + start {bare:0.0} s"));
        return new BenchResult("P10", "database after purge + VACUUM FULL", after / 1048576.0, "MiB", "before", before / 1048576.0, ratio, "ratio < 1 (space back)", ratio < 1,
            new Dictionary<string, double>
            {
                ["database MiB before"] = before / 1048576.0, ["after the purge"] = purged / 1048576.0, ["after VACUUM FULL"] = after / 1048576.0,
                ["events removed"] = removed, ["down seconds"] = down, ["bare stop+start seconds"] = bare, ["down ratio"] = down / bare,
            });
    }

    private static async Task<long> DatabaseBytesAsync(HomeserverPanel panel) =>
        long.Parse((await DockerTestHelper.ExecAsync(panel.PostgresContainer, "psql", "-U", "synapse", "-d", "synapse", "-tAc", "SELECT pg_database_size('synapse')")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>`docker stop` and `docker start` of Synapse's container, until /health answers (polled every 100 ms).</summary>
    private static async Task<double> BareRestartSecondsAsync(HomeserverPanel panel)
    {
        using var http = new HttpClient { BaseAddress = new Uri(await panel.ClientUrlAsync()), Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        foreach (var verb in new[] { "stop", "start" })
        {
            var (exit, output) = await DockerTestHelper.CliAsync(verb, panel.SynapseContainer);
            if (exit != 0)
            {
                throw new InvalidOperationException($"docker {verb} failed: {output}");
            }
        }

        while (watch.Elapsed < TimeSpan.FromMinutes(5))
        {
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return watch.Elapsed.TotalSeconds;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("Synapse did not answer /health within 5 minutes of a bare start.");
    }
}
