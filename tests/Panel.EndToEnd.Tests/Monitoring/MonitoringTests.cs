using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Monitoring;

/// <summary>A Synapse on PostgreSQL (room sizes need it), watched by the panel.</summary>
public sealed class MonitoringFixture : HomeserverPanel, IAsyncLifetime
{
    public const string ServerName = "mon.example.test";

    public async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "postgres");
        await WaitUntilHealthyAsync();
    }

    /// <summary>Waits for a live sample of a container (optionally newer than a time).</summary>
    public async Task<JsonElement> WaitForSampleAsync(string key, DateTimeOffset? after = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            var summary = await Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/summary");
            foreach (var c in summary.GetProperty("containers").EnumerateArray())
            {
                if (c.GetProperty("key").GetString() == key && c.GetProperty("live").GetBoolean()
                    && (after is null || c.GetProperty("sampledAt").GetDateTimeOffset() > after))
                {
                    return c;
                }
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"No live sample of {key}.\n{Process.Output}");
    }

    public async Task<MatrixClient> NewUserAsync(string name)
    {
        var response = await Api.Http.PostAsJsonAsync("/api/v1/users", new { username = name, password = "a long enough password" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var client = new MatrixClient(await ClientUrlAsync());
        await client.LoginAsync(name, "a long enough password");
        return client;
    }
}

public sealed class MonitoringTests(MonitoringFixture hs) : IClassFixture<MonitoringFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Summary_ShowsSynapseAndPostgres_AsDockerStatsDoes()
    {
        var synapse = await hs.WaitForSampleAsync("homeserver");
        await hs.WaitForSampleAsync("database");

        // Our sample and the CLI's are read at different instants, and a Synapse that has just
        // started still grows by megabytes a second: the CLI's reading is compared with our samples
        // on either side of it, a few times over. A real disagreement fails every attempt.
        var attempts = new List<string>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = (await hs.WaitForSampleAsync("homeserver")).GetProperty("memoryBytes").GetInt64() / 1048576.0;
            var cliAt = DateTimeOffset.UtcNow;
            var (code, cli) = await DockerTestHelper.CliAsync("stats", "--no-stream", "--format", "{{.MemUsage}}", hs.SynapseContainer);
            code.ShouldBe(0, cli);
            var cliMiB = double.Parse(cli.Split('/')[0].Trim().Replace("MiB", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            var after = (await hs.WaitForSampleAsync("homeserver", cliAt)).GetProperty("memoryBytes").GetInt64() / 1048576.0;
            if (cliMiB >= Math.Min(before, after) - 12 && cliMiB <= Math.Max(before, after) + 12)
            {
                attempts.Clear();
                break;
            }

            attempts.Add($"ours {before:0.0} then {after:0.0} MiB, docker stats {cliMiB} MiB");
        }

        attempts.ShouldBeEmpty();
        synapse.GetProperty("memoryLimitBytes").GetInt64().ShouldBe(1024L * 1024 * 1024);

        var summary = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/summary?refresh=true", Ct);
        summary.GetProperty("host").GetProperty("memoryTotalBytes").GetInt64().ShouldBeGreaterThan(0);
        summary.GetProperty("host").GetProperty("diskFreeBytes").GetInt64().ShouldBeGreaterThan(0);
        var figures = summary.GetProperty("homeserver");
        figures.GetProperty("databaseBytes").GetInt64().ShouldBeGreaterThan(1_000_000);
        figures.GetProperty("users").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        figures.GetProperty("mediaBytes").ValueKind.ShouldBe(JsonValueKind.Number);
    }

    [Fact]
    public async Task Series_CoverEveryRange_AndRefuseOthers()
    {
        await hs.WaitForSampleAsync("homeserver");
        foreach (var range in new[] { "1h", "24h", "30d", "365d" })
        {
            var series = await hs.Api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/metrics/containers/homeserver?range={range}", Ct);
            series.GetProperty("points").GetArrayLength().ShouldBeGreaterThan(0, range);
        }

        var hour = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/containers/homeserver?range=1h", Ct);
        hour.GetProperty("points").EnumerateArray().ShouldContain(p => p.GetProperty("memoryAvg").ValueKind == JsonValueKind.Number, "the open minute counts");
        (await hs.Api.Http.GetAsync("/api/v1/metrics/containers/homeserver?range=7d", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sampler_RecoversAfterTheContainerRestarts_AndTheTimelineShowsIt()
    {
        await hs.WaitForSampleAsync("homeserver");
        var restartedAt = DateTimeOffset.UtcNow;

        (await DockerTestHelper.CliAsync("restart", hs.SynapseContainer)).ExitCode.ShouldBe(0);

        await hs.WaitForSampleAsync("homeserver", after: restartedAt.AddSeconds(2));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement events = default;
        while (DateTime.UtcNow < deadline)
        {
            events = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/events?limit=50", Ct);
            if (events.EnumerateArray().Any(e => e.GetProperty("action").GetString() == "die") && events.EnumerateArray().Any(e => e.GetProperty("action").GetString() == "start"))
            {
                break;
            }

            await Task.Delay(500, Ct);
        }

        events.EnumerateArray().ShouldContain(e => e.GetProperty("action").GetString() == "die" && e.GetProperty("source").GetString()!.Contains("homeserver"));
        events.EnumerateArray().ShouldContain(e => e.GetProperty("action").GetString() == "start" && e.GetProperty("source").GetString()!.Contains("homeserver"));
        await hs.WaitUntilHealthyAsync();
    }

    [Fact]
    public async Task MemoryLimit_CanBeChangedLive()
    {
        await hs.WaitForSampleAsync("homeserver");

        var response = await hs.Api.Http.PutAsJsonAsync("/api/v1/metrics/containers/homeserver/memory-limit", new { bytes = 768L * 1024 * 1024 }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync(Ct));
        (await DockerTestHelper.Client.Containers.InspectContainerAsync(hs.SynapseContainer, Ct)).HostConfig!.Memory.ShouldBe(768L * 1024 * 1024);
        (await hs.GetHomeserverAsync()).Settings!.MemoryLimitBytes.ShouldBe(768L * 1024 * 1024);
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/metrics/containers/homeserver/memory-limit", new { bytes = 1024 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/metrics/containers/homeserver/memory-limit", new { bytes = 1024L * 1024 * 1024 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Rooms_RankByTheirState_WithLocalMembersShown()
    {
        using var alice = await hs.NewUserAsync("rankalice");
        var big = await alice.CreateRoomAsync("Big state");
        var small = await alice.CreateRoomAsync("Small state");
        for (var i = 0; i < 40; i++)
        {
            await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(big)}/state/org.example.filler/{i}", new { n = i });
        }

        for (var i = 0; i < 3; i++)
        {
            await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(small)}/state/org.example.filler/{i}", new { n = i });
        }

        // Synapse updates its room statistics in the background: give it a moment.
        JsonElement ranked = default;
        List<string?> ids = [];
        for (var attempt = 0; attempt < 60; attempt++)
        {
            ranked = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/rooms?orderBy=stateEvents&limit=100", Ct);
            ids = ranked.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("roomId").GetString()).ToList();
            if (ids.Contains(big) && ids.Contains(small) && ids.IndexOf(big) < ids.IndexOf(small))
            {
                break;
            }

            await Task.Delay(500, Ct);
        }

        ids.IndexOf(big).ShouldBeLessThan(ids.IndexOf(small));
        var bigRow = ranked.GetProperty("rooms").EnumerateArray().Single(r => r.GetProperty("roomId").GetString() == big);
        bigRow.GetProperty("localMembers").GetInt32().ShouldBe(1);
        bigRow.GetProperty("stateEvents").GetInt64().ShouldBeGreaterThan(40);

        // Sizes come from PostgreSQL's planner statistics, which a young database may still lack for
        // some tables; when Synapse cannot estimate, the panel says so instead of failing.
        if (ranked.GetProperty("sizesKnown").GetBoolean())
        {
            var bySize = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/rooms?orderBy=size", Ct);
            bySize.GetProperty("rooms").EnumerateArray().ShouldContain(r => r.GetProperty("databaseBytes").ValueKind == JsonValueKind.Number);
        }
        else
        {
            var bySize = await hs.Api.Http.GetAsync("/api/v1/rooms?orderBy=size", Ct);
            bySize.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await bySize.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString()!.ShouldContain("state events");
        }

        (await hs.Api.Http.GetAsync("/api/v1/rooms?orderBy=colour", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PurgeHistory_RemovesOldEvents_AndReportsBeforeAndAfter()
    {
        using var bob = await hs.NewUserAsync("purgebob");
        var room = await bob.CreateRoomAsync("Chatty");
        for (var i = 0; i < 20; i++)
        {
            await bob.SendTextAsync(room, $"message {i}");
        }

        (await bob.RecentTextsAsync(room)).Count.ShouldBe(20);
        await Task.Delay(1500, Ct);
        await bob.SendTextAsync(room, "the newest message");

        var started = await hs.Api.Http.PostAsJsonAsync($"/api/v1/rooms/{Uri.EscapeDataString(room)}/purge", new { olderThanDays = 0, deleteLocalEvents = true }, Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync(Ct));
        var operation = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = operation.GetProperty("id").GetString();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement current = operation;
        while (DateTime.UtcNow < deadline && current.GetProperty("finishedAt").ValueKind == JsonValueKind.Null)
        {
            await Task.Delay(500, Ct);
            current = await hs.Api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/rooms/operations/{id}", Ct);
        }

        current.GetProperty("status").GetString().ShouldBe("complete", current.ToString());
        current.GetProperty("before").GetProperty("databaseBytes").GetInt64().ShouldBeGreaterThan(0);
        current.GetProperty("after").GetProperty("databaseBytes").GetInt64().ShouldBeGreaterThan(0);
        var left = await bob.RecentTextsAsync(room);
        left.Count.ShouldBeLessThan(5);
        left.ShouldContain("the newest message");
        var audit = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=room.purge-history", Ct);
        audit.GetProperty("items").EnumerateArray().ShouldContain(e => e.GetProperty("target").GetString() == room);
    }

    [Fact]
    public async Task DeleteRoom_RemovesItFromTheServer()
    {
        using var carol = await hs.NewUserAsync("deletecarol");
        var room = await carol.CreateRoomAsync("Doomed");

        var started = await hs.Api.Http.DeleteAsync($"/api/v1/rooms/{Uri.EscapeDataString(room)}", Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var status = "";
        while (DateTime.UtcNow < deadline && status != "complete")
        {
            await Task.Delay(500, Ct);
            status = (await hs.Api.Http.GetFromJsonAsync<JsonElement>($"/api/v1/rooms/operations/{id}", Ct)).GetProperty("status").GetString()!;
        }

        status.ShouldBe("complete");
        (await carol.JoinedRoomsAsync()).ShouldNotContain(room);
    }

    [Fact]
    public async Task MemoryAlert_IsRaised_ShownAndSentAsAServerNotice()
    {
        using var owner = await hs.NewUserAsync("alertowner");
        await hs.WaitForSampleAsync("homeserver");

        var settings = await hs.Api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 10, memoryMinutes = 1, unhealthyMinutes = 2, notifyMatrixUserId = $"@alertowner:{MonitoringFixture.ServerName}" }, Ct);
        settings.StatusCode.ShouldBe(HttpStatusCode.OK, await settings.Content.ReadAsStringAsync(Ct));

        var deadline = DateTime.UtcNow.AddSeconds(150);
        JsonElement alerts = default;
        while (DateTime.UtcNow < deadline)
        {
            alerts = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/alerts", Ct);
            if (alerts.EnumerateArray().Any(a => a.GetProperty("key").GetString() == "memory:homeserver"))
            {
                break;
            }

            await Task.Delay(1000, Ct);
        }

        alerts.EnumerateArray().ShouldContain(a => a.GetProperty("key").GetString() == "memory:homeserver");
        var timeline = await hs.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/events?kind=alert", Ct);
        timeline.EnumerateArray().ShouldContain(e => e.GetProperty("source").GetString() == "memory:homeserver" && e.GetProperty("action").GetString() == "raised");

        // The owner's Matrix account is invited to the server-notices room with the alert.
        // Long-poll the owner's sync (incrementally: a loop of initial syncs would keep a loaded
        // Synapse busy computing full state) for up to 90 s.
        var invited = false;
        string? since = null;
        var inviteDeadline = DateTime.UtcNow.AddSeconds(90);
        while (!invited && DateTime.UtcNow < inviteDeadline)
        {
            var sync = await owner.GetAsync("/_matrix/client/v3/sync?timeout=10000" + (since is null ? "" : "&since=" + Uri.EscapeDataString(since)));
            since = sync.GetProperty("next_batch").GetString();
            invited = sync.TryGetProperty("rooms", out var rooms) && rooms.TryGetProperty("invite", out var invite) && invite.EnumerateObject().Any();
        }

        invited.ShouldBeTrue("the alert should arrive as a server notice; the panel said:\n"
            + string.Join('\n', hs.Process.Output.Split('\n').Where(l => l.Contains("notice", StringComparison.OrdinalIgnoreCase) || l.Contains("Alert", StringComparison.Ordinal))));
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 95, memoryMinutes = 5, unhealthyMinutes = 2 }, Ct)).EnsureSuccessStatusCode();
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/alerts/settings", new { memoryPercent = 5, memoryMinutes = 5, unhealthyMinutes = 2 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
