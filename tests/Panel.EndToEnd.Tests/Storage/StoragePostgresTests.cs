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
        report.RoomSizesEstimated.ShouldBeFalse("PostgreSQL: Synapse's own estimate");
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
