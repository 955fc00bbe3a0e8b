using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Homeserver;

/// <summary>One real Synapse on PostgreSQL, installed through the panel's API, shared by the tests of the class.</summary>
public sealed class PostgresHomeserverFixture : HomeserverPanel, IAsyncLifetime
{
    public const string ServerName = "pg.example.test";

    /// <summary>The view right after the install, before other tests run other operations.</summary>
    public HomeserverView InstalledView { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "postgres");
        InstalledView = await WaitUntilHealthyAsync();
    }
}

/// <summary>One Synapse on PostgreSQL for the homeserver's tests and the Storage page's.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresHomeserverCollection : ICollectionFixture<PostgresHomeserverFixture>
{
    public const string Name = "Postgres homeserver";
}

[Collection(PostgresHomeserverCollection.Name)]
public sealed class PostgresHomeserverTests(PostgresHomeserverFixture panel)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Install_with_PostgreSQL_is_healthy_and_the_stored_admin_token_works()
    {
        var view = await panel.WaitUntilHealthyAsync();

        view.Health.ShouldBe("healthy");
        view.Settings!.Database.ShouldBe("postgres");
        var status = view.Status;
        status.AdminAccess.ShouldBe($"@panel-admin:{PostgresHomeserverFixture.ServerName}");
        status.Version.ShouldNotBeNullOrEmpty();
        // The install's steps (other tests of the class may have run restarts and upgrades since).
        var steps = panel.InstalledView.Operation!.Steps;
        steps.Select(s => s.Key).ShouldBe(["pull", "network", "database", "config", "start", "health", "admin"]);
        steps.ShouldAllBe(s => s.Status == StepStatus.Done);
    }

    [Fact]
    public async Task Install_creates_the_database_with_locale_c_and_UTF8()
    {
        var (code, output) = await DockerTestHelper.CliAsync("exec", panel.PostgresContainer, "psql", "-U", "synapse", "-d", "synapse", "-tAc",
            "SELECT datcollate || ',' || datctype || ',' || pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'synapse'");

        code.ShouldBe(0, output);
        output.Trim().ShouldBe("C,C,UTF8");
    }

    [Fact]
    public async Task Every_Docker_object_carries_the_ownership_labels()
    {
        var containers = await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance);

        containers.Select(c => c.Labels["homeserver-panel.component"]).Order().ShouldBe(["database", "homeserver"]);
        containers.ShouldAllBe(c => c.Labels["homeserver-panel.managed"] == "true");
        var network = await DockerTestHelper.Client.Networks.InspectNetworkAsync($"{panel.Instance}-net", Ct);
        network.Labels!["homeserver-panel.managed"].ShouldBe("true");
        var volume = await DockerTestHelper.Client.Volumes.InspectAsync($"{panel.Instance}-postgres-data", Ct);
        volume.Labels!["homeserver-panel.instance"].ShouldBe(panel.Instance);
    }

    [Fact]
    public async Task Synapse_publishes_its_port_on_loopback_only_with_the_memory_limit_and_a_restart_policy()
    {
        var synapse = await DockerTestHelper.Client.Containers.InspectContainerAsync(panel.SynapseContainer, Ct);

        synapse.HostConfig!.PortBindings!["8008/tcp"].Single().HostIP.ShouldBe("127.0.0.1");
        synapse.HostConfig!.Memory.ShouldBe(1024L * 1024 * 1024);
        synapse.HostConfig!.RestartPolicy!.Name.ToString().ShouldBe("UnlessStopped");
        synapse.Config!.Healthcheck!.Test.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Logs_return_the_last_lines_and_refuse_an_unreasonable_tail()
    {
        (await panel.Api.GetAsync<HomeserverLogs>("/api/v1/homeserver/logs?tail=5")).Lines.Count.ShouldBeInRange(1, 5);

        var bad = await panel.Api.Http.GetAsync("/api/v1/homeserver/logs?tail=0", Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Well_known_delegates_the_server_name_with_cors()
    {
        var anonymous = panel.Process.CreateClient();

        var client = await anonymous.GetAsync("/.well-known/matrix/client", Ct);
        client.Headers.GetValues("Access-Control-Allow-Origin").Single().ShouldBe("*");
        client.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await client.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("m.homeserver").GetProperty("base_url").GetString()
            .ShouldBe($"https://{PostgresHomeserverFixture.ServerName}");
        var server = await anonymous.GetFromJsonAsync<JsonElement>("/.well-known/matrix/server", Ct);
        server.GetProperty("m.server").GetString().ShouldBe($"{PostgresHomeserverFixture.ServerName}:443");
    }

    [Fact]
    public async Task Restart_brings_Synapse_back_healthy_and_is_audited()
    {
        var before = await DockerTestHelper.Client.Containers.InspectContainerAsync(panel.SynapseContainer, Ct);

        (await panel.Api.Http.PostAsync("/api/v1/homeserver/restart", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var view = await panel.WaitForOperationAsync("restart");

        view.Operation!.Succeeded.ShouldBeTrue(view.ToString());
        var after = await DockerTestHelper.Client.Containers.InspectContainerAsync(panel.SynapseContainer, Ct);
        after.State!.StartedAt.ShouldNotBe(before.State!.StartedAt);
        (await panel.WaitUntilHealthyAsync()).Health.ShouldBe("healthy");
        (await panel.Api.AuditAsync("action=homeserver.restart")).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Upgrade_to_a_second_tag_goes_healthy_and_a_broken_image_is_rolled_back()
    {
        var next = TestEnvironment.SynapseImage.Split(':')[0] + ":next";
        var broken = TestEnvironment.SynapseImage.Split(':')[0] + ":broken";

        (await panel.Api.Http.PostAsJsonAsync("/api/v1/homeserver/upgrade", new { image = next }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var upgraded = await panel.WaitForOperationAsync("upgrade");
        upgraded.Operation!.Succeeded.ShouldBeTrue(upgraded.ToString());
        upgraded.Settings!.Image.ShouldBe(next);
        (await panel.WaitUntilHealthyAsync()).Status.Image.ShouldBe(next);

        (await panel.Api.Http.PostAsJsonAsync("/api/v1/homeserver/upgrade", new { image = broken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var rolledBack = await panel.WaitForOperationAsync("upgrade");

        rolledBack.Operation!.Succeeded.ShouldBeFalse();
        rolledBack.Operation!.Error!.ShouldContain("rolled back");
        rolledBack.Settings!.Image.ShouldBe(next);
        var healthy = await panel.WaitUntilHealthyAsync();
        healthy.Status.Image.ShouldBe(next);
        (await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance)).Count(c => c.Labels["homeserver-panel.component"] == "homeserver").ShouldBe(1);
    }

    [Fact]
    public async Task Synapse_crash_is_noticed_and_the_restart_policy_brings_it_back()
    {
        var before = await DockerTestHelper.Client.Containers.InspectContainerAsync(panel.SynapseContainer, Ct);

        var (code, output) = await DockerTestHelper.CliAsync("exec", panel.SynapseContainer, "sh", "-c", "kill -TERM 1");
        code.ShouldBe(0, output);

        await Eventually.UntilAsync(() => DockerTestHelper.Client.Containers.InspectContainerAsync(panel.SynapseContainer, Ct),
            now => now.RestartCount > before.RestartCount && now.State!.Running, TimeSpan.FromMinutes(2), "Docker restarting Synapse", TimeSpan.FromMilliseconds(500));

        var view = await panel.WaitUntilHealthyAsync();
        view.Status.RestartCount.ShouldBeGreaterThan(before.RestartCount);
    }

    [Fact]
    public async Task Install_when_one_is_installed_is_a_conflict()
    {
        var response = await panel.Api.Http.PostAsJsonAsync("/api/v1/homeserver/install", new { serverName = "other.example.test", database = "sqlite" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
