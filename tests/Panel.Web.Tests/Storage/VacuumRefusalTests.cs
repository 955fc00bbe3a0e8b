using System.Net;
using System.Net.Http.Json;
using Panel.Domain.Containers;
using Panel.Web.Features.Storage;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Storage;

/// <summary>
/// VACUUM FULL on a disk too small for its copy, on the FAKE engine (a real disk that full cannot be
/// arranged here): refused before anything stops, with the bytes it needs. (The vacuum itself, on the
/// real Synapse and PostgreSQL: StoragePostgresTests.)
/// </summary>
public sealed class VacuumRefusalTests
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
