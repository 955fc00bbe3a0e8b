using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Backups;
using Panel.Domain.Containers;
using Panel.Infrastructure.Persistence;
using Panel.Testing;
using Panel.Web.Features.Storage;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Storage;

/// <summary>
/// VACUUM FULL's faults, on the FAKE engine (a disk that full, or a vacuum that fails half-way, cannot
/// be arranged on the real one here): refused before anything stops with the bytes it needs, and a
/// failure that starts Synapse again. (The vacuum itself, on the real Synapse and PostgreSQL: StoragePostgresTests.)
/// </summary>
public sealed class VacuumFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_VACUUM_FULL_without_room_for_its_copy_is_refused_before_Synapse_stops_with_the_bytes_it_needs()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("full.example.test", "sqlite");
        factory.Engine.AnswerExec = (_, command) => command switch
        {
            ["df", ..] => new ExecResult(0, "Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/vda1 10000000 9990000 10000 100% /data\n", ""),
            ["sh", "-c", var script] when script.Contains("wc -c", StringComparison.Ordinal) => new ExecResult(0, "52428800\n", ""),
            ["python3", "-c", _, var sql] when sql.Contains("dbstat", StringComparison.Ordinal) => new ExecResult(0, "event_json\t31457280\nevents\t10485760\n", ""),
            ["python3", "-c", _, var sql] when sql.Contains("COUNT(*)", StringComparison.Ordinal) => new ExecResult(0, "event_json\t1000\nevents\t1000\n", ""),
            _ => null,
        };
        var stopsBefore = factory.Engine.Calls.Count(c => c.StartsWith("StopAsync", StringComparison.Ordinal));

        using var response = await api.Http.PostAsJsonAsync("/api/v1/storage/vacuum", new VacuumRequest(Full: true, Confirm: true), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync(Ct);
        body.ShouldContain("it needs 50 MiB (the whole database file), and 9.8 KiB is free. Nothing was stopped.");
        factory.Engine.Calls.Count(c => c.StartsWith("StopAsync", StringComparison.Ordinal)).ShouldBe(stopsBefore);
    }

    [Fact]
    public async Task A_VACUUM_FULL_that_fails_starts_Synapse_again_and_says_which_step_failed()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("failing.example.test", "postgres");
        // A backup of a minute ago: the vacuum needs none first.
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync(Ct))
        {
            var backup = Backup.Start(BackupTrigger.Manual, "20261206-recent", false, "failing.example.test", DateTimeOffset.UtcNow.AddMinutes(-2));
            backup.Complete(DateTimeOffset.UtcNow.AddMinutes(-1), 1000, "database");
            db.Backups.Add(backup);
            await db.SaveChangesAsync(Ct);
        }

        factory.Engine.AnswerExec = (_, command) => command switch
        {
            ["df", ..] => new ExecResult(0, "Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/vda1 100000000000 1000 99999999000 1% /var/lib/postgresql/data\n", ""),
            [.., var sql] when sql.Contains("VACUUM", StringComparison.Ordinal) => new ExecResult(1, "", "ERROR:  could not extend file: No space left on device"),
            [.., var sql] when sql.Contains("pg_database_size", StringComparison.Ordinal) => new ExecResult(0, "52428800\n", ""),
            [.., var sql] when sql.Contains("pg_total_relation_size", StringComparison.Ordinal) => new ExecResult(0, "event_json\t31457280\t1000\n", ""),
            _ => null,
        };

        using var response = await api.Http.PostAsJsonAsync("/api/v1/storage/vacuum", new VacuumRequest(Full: true, Confirm: true), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var view = await Eventually.UntilAsync(api.HomeserverAsync, v => v.Operation is { Kind: DatabaseMaintenance.Kind, IsRunning: false }, TimeSpan.FromSeconds(30), "the vacuum's end");

        view.Operation!.Succeeded.ShouldBeFalse();
        view.Operation.Error!.ShouldContain("No space left on device");
        view.Operation.Steps.Single(s => s.Key == "vacuum").Status.ShouldBe(Panel.Web.Features.Homeserver.StepStatus.Failed);
        var calls = factory.Engine.Calls.ToList();
        var stopped = calls.FindLastIndex(c => c == $"StopAsync {factory.Names.Synapse}");
        stopped.ShouldBeGreaterThan(-1);
        calls.FindLastIndex(c => c == $"StartAsync {factory.Names.Synapse}").ShouldBeGreaterThan(stopped, "Synapse is started again");
        (await api.AuditAsync("action=storage.vacuum-full")).ShouldContain(a => a.Outcome == "Failure");
    }

    [Fact]
    public async Task A_VACUUM_FULL_is_refused_without_confirmation_and_SQLite_has_no_online_vacuum()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("confirm.example.test", "sqlite");

        using var unconfirmed = await api.Http.PostAsJsonAsync("/api/v1/storage/vacuum", new VacuumRequest(Full: true), Ct);
        using var online = await api.Http.PostAsJsonAsync("/api/v1/storage/vacuum", new VacuumRequest(Full: false), Ct);

        unconfirmed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unconfirmed.Content.ReadAsStringAsync(Ct)).ShouldContain("confirm: true");
        online.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await online.Content.ReadAsStringAsync(Ct)).ShouldContain("SQLite has no online VACUUM");
    }
}
