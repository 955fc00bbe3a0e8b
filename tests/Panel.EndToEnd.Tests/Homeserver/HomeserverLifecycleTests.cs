using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Panel.Testing;
using Panel.EndToEnd.Tests.Invites;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Homeserver;

public sealed class HomeserverLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SQLite_uninstall_keeping_data_then_reinstall_users_created_before_still_log_in()
    {
        await using var panel = new HomeserverPanel();
        await panel.StartAsync();
        await panel.InstallAsync("lite.example.test", "sqlite");
        await panel.WaitUntilHealthyAsync();
        var (code, output) = await DockerTestHelper.CliAsync("exec", panel.SynapseContainer, "sh", "-c",
            "$(command -v register_new_matrix_user || command -v synapse_register_new_matrix_user) -c /data/homeserver.yaml -u alice -p 'alice password 1' --no-admin http://localhost:8008");
        code.ShouldBe(0, output);
        using (var alice = new MatrixClient(await panel.ClientUrlAsync()))
        {
            await alice.LoginAsync("alice", "alice password 1");
        }

        (await panel.Api.Http.DeleteAsync("/api/v1/homeserver?deleteData=false", Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await panel.WaitForOperationAsync("uninstall")).Operation!.Succeeded.ShouldBeTrue();
        (await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance)).ShouldBeEmpty();
        (await DockerTestHelper.Client.Volumes.InspectAsync($"{panel.Instance}-synapse-data", Ct)).ShouldNotBeNull();

        await panel.InstallAsync("lite.example.test", "sqlite");
        await panel.WaitUntilHealthyAsync();

        using (var again = new MatrixClient(await panel.ClientUrlAsync()))
        {
            await again.LoginAsync("alice", "alice password 1");
            again.UserId.ShouldBe("@alice:lite.example.test");
        }

        // Deleting the data needs the server name, and then really deletes it.
        (await panel.Api.Http.DeleteAsync("/api/v1/homeserver?deleteData=true", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await panel.Api.Http.DeleteAsync("/api/v1/homeserver?deleteData=true&confirmServerName=lite.example.test", Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await panel.WaitForOperationAsync("uninstall");
        var volumes = await DockerTestHelper.Client.Volumes.ListAsync(new Docker.DotNet.Models.VolumesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"homeserver-panel.instance={panel.Instance}"] = true } },
        }, Ct);
        (volumes.Volumes ?? []).ShouldBeEmpty();
        (await panel.GetHomeserverAsync()).Installed.ShouldBeFalse();
    }

    [Fact]
    public async Task Killing_the_panel_during_install_then_starting_it_again_converges_without_duplicates()
    {
        await using var panel = new HomeserverPanel();
        await panel.StartAsync();
        await panel.InstallAsync("crash.example.test", "postgres");

        // Wait until the install is half-way (PostgreSQL is starting, Synapse does not exist yet), then pull the plug.
        await Eventually.UntilAsync(panel.GetHomeserverAsync,
            view => view.Operation?.Steps.Any(s => s is { Key: "database", Status: StepStatus.Running }) == true,
            TimeSpan.FromMinutes(1), "The install reaching the database step", TimeSpan.FromMilliseconds(20));
        panel.Process.Kill();
        (await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance)).ShouldNotContain(c => c.Labels["homeserver-panel.component"] == "homeserver");
        await panel.RestartProcessAsync(kill: true);

        var view = await panel.WaitUntilHealthyAsync();
        view.Status.AdminAccess.ShouldBe("@panel-admin:crash.example.test");
        var containers = await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance);
        containers.Count(c => c.Labels["homeserver-panel.component"] == "homeserver").ShouldBe(1);
        containers.Count(c => c.Labels["homeserver-panel.component"] == "database").ShouldBe(1);
        containers.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Install_with_a_bad_server_name_is_refused_with_problem_details_and_creates_nothing()
    {
        await using var panel = new HomeserverPanel();
        await panel.StartAsync();

        var response = await panel.Api.Http.PostAsJsonAsync("/api/v1/homeserver/install", new { serverName = "not a host!", database = "sqlite" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!;
        problem.Detail!.ShouldContain("has a space, '!'", Case.Sensitive, "the refusal names the characters that cannot be in a server name");
        (await panel.GetHomeserverAsync()).Phase.ShouldBeNull();
        (await DockerTestHelper.ContainersOfInstanceAsync(panel.Instance)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Install_with_a_missing_image_fails_saying_how_to_get_it()
    {
        await using var panel = new HomeserverPanel();
        await panel.StartAsync();

        await panel.InstallAsync("missing.example.test", "sqlite", image: "registry.invalid/no/such-synapse:1");
        var view = await panel.WaitForOperationAsync("install");

        view.Phase.ShouldBe("failed");
        var error = view.LastError!;
        error.ShouldContain("registry.invalid/no/such-synapse:1");
        error.ShouldContain("cannot reach the registry registry.invalid");
        error.ShouldContain("docker load");
    }

    [Fact]
    public async Task When_Docker_is_unreachable_the_API_answers_503_with_problem_details()
    {
        await using var panel = new HomeserverPanel(new Dictionary<string, string> { ["Panel__Docker__Endpoint"] = "unix:///tmp/no-docker-here.sock" });
        await panel.StartAsync();

        var response = await panel.Api.Http.PostAsJsonAsync("/api/v1/homeserver/install", new { serverName = "nodocker.example.test", database = "sqlite" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Detail!.ShouldContain("/tmp/no-docker-here.sock");
    }
}

/// <summary>The homeserver that the attach tests attach to: one per class, since neither changes it.</summary>
public sealed class AttachedHomeserverFixture() : InstalledHomeserverFixture(null, "attached.example.test");

public sealed class AttachTests(AttachedHomeserverFixture host) : IClassFixture<AttachedHomeserverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Attach_with_the_shared_secret_manages_users_but_never_the_container()
    {
        // One panel runs a Synapse; a second panel attaches to it as an existing homeserver.
        var secret = Texts.YamlValue(await DockerTestHelper.ReadFileAsync(host.SynapseContainer, "/data/homeserver.yaml"), "registration_shared_secret");

        await using var attaching = new HomeserverPanel();
        await attaching.StartAsync();
        var response = await attaching.Api.Http.PostAsJsonAsync("/api/v1/homeserver/attach", new
        {
            baseUrl = await host.ClientUrlAsync(),
            sharedSecret = secret,
            containerName = host.SynapseContainer,
        }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));

        var view = await attaching.GetHomeserverAsync();
        view.Settings!.Mode.ShouldBe("attached");
        view.Settings!.ServerName.ShouldBe("attached.example.test");
        view.Health.ShouldBe("healthy");
        view.Status.State.ShouldBe("running");
        (await attaching.Api.GetAsync<HomeserverLogs>("/api/v1/homeserver/logs?tail=3")).Lines.ShouldNotBeEmpty();

        var stop = await attaching.Api.Http.PostAsync("/api/v1/homeserver/stop", null, Ct);
        stop.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await DockerTestHelper.Client.Containers.InspectContainerAsync(host.SynapseContainer, Ct)).State!.Running.ShouldBeTrue();
    }

    [Fact]
    public async Task Attach_with_a_wrong_token_is_refused_clearly()
    {
        await using var attaching = new HomeserverPanel();
        await attaching.StartAsync();

        var response = await attaching.Api.Http.PostAsJsonAsync("/api/v1/homeserver/attach", new { baseUrl = await host.ClientUrlAsync(), accessToken = "syt_not_a_token" }, Ct);

        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        (await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Detail!.ShouldContain("token");
    }
}
