using Panel.Infrastructure.Synapse;

namespace Panel.Infrastructure.Tests.Synapse;

public sealed class SynapseAccessLogTests
{
    // Lines as a Synapse 1.160 worker writes them (the engine's timestamps already taken off).
    private static readonly string[] Log =
    [
        "2026-12-07 17:51:29,995 - synapse.access.http.8083 - 643 - INFO - GET-100 - 172.18.0.9 - 8083 - {@sam:example.org} Processed request: 0.003sec/0.000sec ru=(0.001sec, 0.000sec) db=(0.000sec/0.000sec/0) 89B 200 \"GET /_matrix/client/v3/sync?timeout=0&since=s1 HTTP/1.1\" \"Element\" [0 dbevts]",
        "2026-12-07 17:51:30,503 - synapse.access.http.8083 - 643 - INFO - PUT-101 - 172.18.0.9 - 8083 - {@sam:example.org} Processed request: 0.010sec/0.000sec ru=(0.004sec, 0.000sec) db=(0.002sec/0.001sec/3) 63B 200 \"PUT /_matrix/client/v3/rooms/!r:example.org/send/m.room.message/t1 HTTP/1.1\" \"Element\" [0 dbevts]",
        "2026-12-07 17:51:31,000 - synapse.access.http.8083 - 643 - INFO - GET-102 - 172.18.0.9 - 8083 - {None} Processed request: 0.000sec/0.000sec ru=(0.000sec, 0.000sec) db=(0.000sec/0.000sec/0) 2B 200 \"GET /health HTTP/1.1\" \"Python-urllib/3.13\" [0 dbevts]",
        "2026-12-07 17:51:31,482 - synapse.replication.tcp.resource - 303 - INFO - replication_notifier-2 - Sending position for caches: 13 -> 13",
        "2026-12-07 17:51:32,100 - synapse.access.http.8083 - 643 - INFO - POST-103 - 172.18.0.9 - 8083 - {@sam:example.org} Processed request: 0.001sec/0.000sec ru=(0.000sec, 0.000sec) db=(0.000sec/0.000sec/0) 12B 200 \"POST /_matrix/client/unstable/org.matrix.simplified_msc3575/sync HTTP/1.1\" \"Element X\" [0 dbevts]",
        "2026-12-07 17:51:33,000 - synapse.access.http.8008 - 643 - INFO - GET-104 - 172.18.0.1 - 8008 - {@panel-admin:example.org} Processed request: 0.000sec/0.000sec ru=(0.001sec, 0.000sec) db=(0.000sec/0.000sec/0) 89B 200 \"GET /_matrix/client/v3/account/whoami HTTP/1.1\" \"HomeserverPanel/1.0\" [0 dbevts]",
        "",
    ];

    [Fact]
    public void Processed_requests_are_counted_and_syncs_apart_while_health_checks_the_panel_s_own_calls_and_other_lines_are_not()
    {
        var (requests, syncs) = SynapseAccessLog.Count(Log);

        requests.ShouldBe(3);
        syncs.ShouldBe(2, "v3 sync and sliding sync");
    }

    [Fact]
    public void A_line_cut_short_counts_nothing()
    {
        SynapseAccessLog.Count(["… - {@sam:example.org} Processed request: 0.003sec/0.000sec 89B 200 \"GET"]).ShouldBe((0L, 0L));
    }
}
