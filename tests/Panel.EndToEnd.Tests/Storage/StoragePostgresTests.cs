using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Panel.EndToEnd.Tests.Homeserver;
using Panel.Testing;
using Panel.Web.Features.Storage;

namespace Panel.EndToEnd.Tests.Storage;

/// <summary>The Storage page's figures and the remote media purge, on the real Synapse with its real PostgreSQL.</summary>
[Collection(PostgresHomeserverCollection.Name)]
public sealed class StoragePostgresTests(PostgresHomeserverFixture hs)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_largest_tables_are_measured_as_PostgreSQL_measures_them_and_named_in_words()
    {
        var report = await hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true");

        report.Database.ShouldBe("postgres");
        report.Tables.Count.ShouldBe(StorageInspector.TableCount);
        report.Tables.Select(t => t.Bytes).ShouldBeInOrder(SortDirection.Descending);
        // Synapse writes while the test reads: a few pages either way.
        foreach (var table in report.Tables.Take(5))
        {
            var measured = await PostgresNumberAsync($"SELECT pg_total_relation_size('public.{table.Name}')");
            Math.Abs(measured - table.Bytes).ShouldBeLessThanOrEqualTo(Math.Max(measured / 20, 64 * 1024), table.Name);
        }

        var database = await PostgresNumberAsync("SELECT pg_database_size('synapse')");
        Math.Abs(database - report.DatabaseBytes).ShouldBeLessThanOrEqualTo(database / 20);
        report.Tables.Count(t => t.Meaning is not null).ShouldBeGreaterThan(3, "the usual suspects are named in words");
    }

    [Fact]
    public async Task Purging_remote_media_deletes_what_the_dry_run_counted_and_the_measured_saving_matches_it()
    {
        var now = DateTimeOffset.UtcNow;
        var seeded = await RemoteMediaSeeder.SeedAsync(hs, postgres: true,
            (300_000, now.AddDays(-100)), (200_000, now.AddDays(-45)), (100_000, now.AddDays(-2)));

        var dry = await hs.Api.PostAsync<RemoteMediaPurgeResult>("/api/v1/storage/remote-media/purge", new RemoteMediaPurgeRequest(30, DryRun: true));
        dry.Files.ShouldBe(2);
        dry.EstimatedBytes.ShouldBe(500_000);
        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[0])).ShouldBeTrue("a dry run deletes nothing");

        await hs.Api.PostAsync<RemoteMediaPurgeResult>("/api/v1/storage/remote-media/purge", new RemoteMediaPurgeRequest(30), HttpStatusCode.Accepted);
        var done = await hs.WaitForOperationAsync("storage.purge-remote-media");
        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);

        var last = await hs.Api.GetAsync<RemoteMediaPurgeResult>("/api/v1/storage/remote-media/purge");
        last.Deleted.ShouldBe(2);
        Math.Abs(last.FreedBytes!.Value - dry.EstimatedBytes).ShouldBeLessThanOrEqualTo(dry.EstimatedBytes / 10, "the saving measured on disk matches the estimate within 10 %");
        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[0])).ShouldBeFalse();
        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[1])).ShouldBeFalse();
        (await RemoteMediaSeeder.ExistsAsync(hs, seeded[2])).ShouldBeTrue("used two days ago: kept");
        (await PostgresNumberAsync($"SELECT COUNT(*) FROM remote_media_cache WHERE media_origin = '{RemoteMediaSeeder.Origin}'")).ShouldBe(1);
        (await hs.Api.AuditAsync("action=storage.purge-remote-media")).ShouldContain(a => a.Details!.Contains("freed", StringComparison.Ordinal));

        var report = await hs.Api.GetAsync<StorageReport>("/api/v1/storage?refresh=true");
        report.Media.RemoteFiles.ShouldBe(1);
        report.Media.RemoteBytes.ShouldBe(100_000);
    }

    [Fact]
    public async Task Media_retention_is_written_for_Synapse_to_purge_on_its_own_and_deleting_uploads_needs_confirmation()
    {
        using (var unconfirmed = await hs.Api.Http.PutAsJsonAsync("/api/v1/storage/media-retention", new MediaRetentionRequest(90, 365), Ct))
        {
            unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await unconfirmed.Content.ReadAsStringAsync(Ct)).ShouldContain("confirm: true");
        }

        (await hs.Api.Http.PutAsJsonAsync("/api/v1/storage/media-retention", new MediaRetentionRequest(90, null), Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var applied = await hs.WaitForOperationAsync("configure");
        applied.Operation!.Succeeded.ShouldBeTrue(applied.Operation.Error);
        (await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml")).ShouldContain("remote_media_lifetime: 90d");
        (await hs.Api.GetAsync<MediaRetentionView>("/api/v1/storage/media-retention")).RemoteMediaDays.ShouldBe(90);
        (await hs.Api.AuditAsync("action=homeserver.media-retention")).ShouldNotBeEmpty();

        // Off again: Synapse's own purge must not race the purge test's seeded media.
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/storage/media-retention", new MediaRetentionRequest(null, null), Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await hs.WaitForOperationAsync("configure")).Operation!.Succeeded.ShouldBeTrue();
        (await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml")).ShouldNotContain("media_retention");
    }

    [Fact]
    public async Task VACUUM_FULL_after_a_purge_gives_the_space_back_after_a_backup_and_Synapse_comes_back_with_its_data()
    {
        await hs.Api.CreateUserAsync(new Panel.Web.Features.Users.CreateUserRequest("vacuumer", null, "vacuumer's long password", false));
        using var client = new MatrixClient(await hs.ClientUrlAsync());
        await client.LoginAsync("vacuumer", "vacuumer's long password");
        var noisy = await client.CreateRoomAsync("Noisy");
        var kept = await client.CreateRoomAsync("Kept");
        await client.SendTextAsync(kept, "still here after the vacuum");
        // Random text: PostgreSQL compresses what repeats, and the test needs bytes on disk.
        for (var i = 0; i < 300; i++)
        {
            await client.SendTextAsync(noisy, $"{i} {Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2400))}");
        }

        var purge = await hs.Api.PostAsync<Panel.Web.Features.Monitoring.RoomOperation>($"/api/v1/rooms/{Uri.EscapeDataString(noisy)}/purge",
            new Panel.Web.Features.Monitoring.MonitoringEndpoints.PurgeRequest(0, true), HttpStatusCode.Accepted);
        await Eventually.UntilAsync(() => hs.Api.GetAsync<Panel.Web.Features.Monitoring.RoomOperation>($"/api/v1/rooms/operations/{purge.Id}"),
            o => o.Status is "complete" or "failed", TimeSpan.FromMinutes(2), "the purge");
        var purgedButNotShrunk = await PostgresNumberAsync("SELECT pg_total_relation_size('event_json')");
        purgedButNotShrunk.ShouldBeGreaterThan(300 * 3000, "a purge leaves its pages in the table");

        (await hs.Api.GetAsync<VacuumPlan>("/api/v1/storage/vacuum?full=true")).BackupFirst.ShouldBeTrue("no backup was made in the last hour");
        using (var unconfirmed = await hs.Api.Http.PostAsJsonAsync("/api/v1/storage/vacuum", new VacuumRequest(Full: true), Ct))
        {
            unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        var backupsBefore = (await hs.Api.BackupsAsync()).Count;
        await hs.Api.PostAsync<VacuumPlan>("/api/v1/storage/vacuum", new VacuumRequest(Full: true, Confirm: true), HttpStatusCode.Accepted);
        var done = await hs.WaitForOperationAsync(DatabaseMaintenance.Kind, TimeSpan.FromMinutes(5));

        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        done.Operation.Steps.Select(s => s.Key).ShouldBe(["stop", "vacuum", "start", "health"]);
        (await hs.Api.BackupsAsync()).Count(b => b.Status == "completed").ShouldBeGreaterThan(0);
        (await hs.Api.BackupsAsync()).Count.ShouldBe(backupsBefore + 1, "the backup ran first");
        var shrunk = await PostgresNumberAsync("SELECT pg_total_relation_size('event_json')");
        shrunk.ShouldBeLessThan(purgedButNotShrunk / 2, "VACUUM FULL gave the purged pages back");
        (await hs.Api.AuditAsync("action=storage.vacuum-full")).ShouldContain(a => a.Details!.Contains("went from", StringComparison.Ordinal));

        // A real client reads the room that was not purged.
        using var again = new MatrixClient(await hs.ClientUrlAsync());
        await again.LoginAsync("vacuumer", "vacuumer's long password");
        (await again.RecentTextsAsync(kept)).ShouldContain("still here after the vacuum");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4000)]
    public async Task A_purge_age_out_of_range_is_refused_with_the_reason(int days)
    {
        using var response = await hs.Api.Http.PostAsJsonAsync("/api/v1/storage/remote-media/purge", new RemoteMediaPurgeRequest(days, DryRun: true), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("olderThanDays must be between 0");
    }

    private async Task<long> PostgresNumberAsync(string sql) =>
        long.Parse((await DockerTestHelper.ExecAsync(hs.PostgresContainer, "psql", "-U", "synapse", "-d", "synapse", "-tAc", sql)).Trim(), CultureInfo.InvariantCulture);
}
