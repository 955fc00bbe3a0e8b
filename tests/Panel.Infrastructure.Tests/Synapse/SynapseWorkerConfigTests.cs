using System.Text.RegularExpressions;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Caddy;
using Panel.Infrastructure.Synapse;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Synapse;

public sealed class SynapseWorkerConfigTests
{
    private static readonly WorkerLayout Full = WorkerLayout.Create(2, true, true, HomeserverDatabase.Postgres);
    private static readonly WorkerNetwork Network = new("hs-synapse", "hs-redis", w => "hs-synapse-" + w.ContainerSuffix, "replication-secret");

    [Fact]
    public void The_shared_file_gains_redis_the_main_process_and_the_media_worker_as_quarantine_writer()
    {
        var shared = SynapseWorkerConfig.SharedSettings(Full, Network);

        ((Dictionary<string, object?>)shared["redis"]!)["host"].ShouldBe("hs-redis");
        var instances = (Dictionary<string, object?>)shared["instance_map"]!;
        ((Dictionary<string, object?>)instances["main"]!)["port"].ShouldBe(WorkerLayout.ReplicationPort);
        ((Dictionary<string, object?>)instances["media1"]!)["host"].ShouldBe("hs-synapse-media1");
        shared["federation_sender_instances"].ShouldBe(new List<string> { "federation_sender1" });
        shared["enable_media_repo"].ShouldBe(false);
        shared["media_instance_running_background_jobs"].ShouldBe("media1");
        ((Dictionary<string, object?>)shared["stream_writers"]!)["quarantined_media_changes"].ShouldBe(new List<string> { "media1" });
        shared["worker_replication_secret"].ShouldBe("replication-secret");
        SynapseWorkerConfig.SharedSettings(WorkerLayout.Monolith, Network).ShouldBeEmpty();
    }

    [Fact]
    public void Each_worker_file_names_its_app_and_serves_only_what_it_is_for()
    {
        var workers = Full.Workers();

        var generic = SynapseWorkerConfig.WorkerYaml(workers[0]);
        generic.ShouldContain("worker_app: synapse.app.generic_worker");
        generic.ShouldContain("worker_name: generic1");
        generic.ShouldContain("port: 8083");
        generic.ShouldContain("- client\n");
        generic.ShouldContain("- federation\n");
        SynapseWorkerConfig.WorkerYaml(workers[2]).ShouldNotContain("worker_listeners");
        SynapseWorkerConfig.WorkerYaml(workers[3]).ShouldContain("- media\n");
        SynapseWorkerConfig.WorkerYaml(workers[3]).ShouldContain("worker_app: synapse.app.media_repository");
        SynapseWorkerConfig.WorkerCommand(workers[0]).ShouldBe(["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic1.yaml"]);
    }

    [Theory]
    [InlineData("GET", "/_matrix/client/v3/sync", "sync")]
    [InlineData("PUT", "/_matrix/client/v3/rooms/!a:b.org/send/m.room.message/t1", "client")]
    [InlineData("POST", "/_matrix/client/v3/login", "client")]
    [InlineData("PUT", "/_matrix/federation/v1/send/123", "federation_send")]
    [InlineData("GET", "/_matrix/federation/v1/version", "federation")]
    [InlineData("GET", "/_matrix/client/v3/pushrules/", "client_reads")]
    [InlineData("PUT", "/_matrix/client/v3/pushrules/global/override/x", null)]
    [InlineData("GET", "/_matrix/client/v3/rooms/!a:b.org/messages", null)]
    [InlineData("POST", "/_matrix/media/v3/upload", "media")]
    [InlineData("GET", "/_matrix/client/v1/media/download/b.org/abc", "media")]
    [InlineData("GET", "/_synapse/admin/v1/users/x", null)]
    public void A_request_goes_to_the_first_route_that_matches_or_to_the_main_process(string method, string path, string? route)
    {
        var chosen = SynapseWorkerRoutes.For(Full).FirstOrDefault(r => (r.Methods is null || r.Methods.Contains(method)) && Regex.IsMatch(path, r.Regex));

        chosen?.Name.ShouldBe(route);
        if (route is null)
        {
            chosen.ShouldBeNull();
        }
    }

    [Theory]
    [InlineData("_synapse/admin/v1/media/quarantine/b.org/abc", true)]
    [InlineData("_synapse/admin/v1/media/quarantine_changes?from=0", true)]
    [InlineData("_synapse/admin/v1/room/!r:b.org/media/quarantine", true)]
    [InlineData("/_matrix/media/v3/upload?filename=a.png", true)]
    [InlineData("_matrix/client/v1/media/download/b.org/abc?allow_redirect=false", true)]
    [InlineData("_synapse/admin/v2/users/@a:b.org", false)]
    [InlineData("_matrix/client/v3/rooms/!r:b.org/send/m.room.message/1", false)]
    public void The_panels_own_media_calls_go_to_the_media_worker(string path, bool media) =>
        SynapseWorkerRoutes.ServedByMediaWorker(path).ShouldBe(media);

    [Fact]
    public async Task Caddy_reads_the_worker_routes_and_sends_the_rest_to_the_main_process()
    {
        var layout = WorkerLayout.Create(2, false, true, HomeserverDatabase.Postgres);
        var upstreams = layout.Workers().ToLookup(w => w.Kind, w => $"hs-synapse-{w.ContainerSuffix}:{w.Port}");
        var text = CaddyConfig.Generate(new CaddyConfigInput
        {
            ServerHost = "example.org",
            PublicHost = "example.org",
            SynapseUpstream = "hs-synapse:8008",
            WorkerRoutes = SynapseWorkerRoutes.For(layout).Select(r => (r, (IReadOnlyList<string>)upstreams[r.Kind].ToList())).ToList(),
        });

        text.ShouldContain("reverse_proxy @sync hs-synapse-generic1:8083 hs-synapse-generic2:8084 {\n\t\t\t\tlb_policy header Authorization\n\t\t\t\tlb_try_duration 10s");
        text.ShouldContain("reverse_proxy @media hs-synapse-media1:8091");
        text.IndexOf("reverse_proxy hs-synapse:8008", StringComparison.Ordinal).ShouldBeGreaterThan(text.IndexOf("reverse_proxy @media", StringComparison.Ordinal), "the main process takes what no route took");

        var dir = TestEnvironment.NewTempDirectory("caddyfile-workers");
        await File.WriteAllTextAsync(Path.Combine(dir, "Caddyfile"), text, TestContext.Current.CancellationToken);
        var (code, output) = await ProcessRunner.RunAsync("docker", "run", "--rm", "-v", $"{dir}:/check:ro", "--entrypoint", "caddy", TestEnvironment.CaddyImage, "adapt", "--config", "/check/Caddyfile", "--adapter", "caddyfile");
        code.ShouldBe(0, output);
        output.ShouldContain("hs-synapse-generic2:8084");
    }
}
