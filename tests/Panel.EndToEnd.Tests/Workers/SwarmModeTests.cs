using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Workers;

/// <summary>
/// The worker stack on a single-node swarm: the engine is made a Swarm manager for the class (and
/// leaves the swarm after it, unless it was in one before), and an image whose worker command fails
/// is made from Synapse's (for Swarm to roll back).
/// </summary>
public sealed class SwarmStack : WorkerStack
{
    /// <summary>Synapse's image where the generic worker exits at once: the main process would start, a worker cannot.</summary>
    public const string WorkerBrokenImage = "homeserver-panel/synapse:worker-broken";

    private bool _joined;

    public override async ValueTask InitializeAsync()
    {
        _joined = await DockerTestHelper.JoinSwarmAsync();

        var maker = $"{Instance}-make-broken";
        (await DockerTestHelper.CliAsync("run", "--name", maker, "--entrypoint", "sh", TestEnvironment.SynapseImage, "-c",
            "echo 'raise SystemExit(3)' > /usr/lib/python3/dist-packages/synapse/app/generic_worker.py")).ExitCode.ShouldBe(0);
        (await DockerTestHelper.CliAsync("commit", maker, WorkerBrokenImage)).ExitCode.ShouldBe(0);
        await DockerTestHelper.CliAsync("rm", maker);
        await base.InitializeAsync();
    }

    public async Task<string> ServiceAsync(string name, string format) =>
        (await DockerTestHelper.CliAsync("service", "inspect", name, "--format", format)).Output.Trim();

    public override async ValueTask DisposeAsync()
    {
        await DockerTestHelper.RemoveServicesAsync(Instance);
        await base.DisposeAsync();
        if (_joined)
        {
            await DockerTestHelper.LeaveSwarmAsync();
        }

        await DockerTestHelper.CliAsync("rmi", WorkerBrokenImage);
    }
}

/// <summary>
/// In the serial phase: <c>docker swarm init</c> and <c>leave</c> change the engine's networking for
/// every container (the ingress and gateway networks come and go); beside the other classes, a
/// bridge test's Synapse once could not start while they did.
/// </summary>
[Trait("Category", "Serial")]
[Collection(Serial.MachineAlone.Name)]
public sealed class SwarmModeTests(SwarmStack hs, BrowserFixture browser) : IClassFixture<SwarmStack>, IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Workers_run_as_swarm_services_serve_clients_through_the_proxy_and_a_rolling_update_that_fails_is_rolled_back_by_swarm()
    {
        await hs.CreateUserAsync("sam");
        var before = await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers");
        before.Swarm!.CanDeploy.ShouldBeTrue(before.Swarm.Why);
        before.Swarm.Nodes.ShouldHaveSingleItem().IsThisNode.ShouldBeTrue();
        before.Swarm.Nodes[0].MemoryBytes.ShouldBeGreaterThan(0);

        var done = await hs.ApplyAsync(new { genericWorkers = 1, federationSender = true, mediaWorker = true, swarm = true });
        done.Operation!.Succeeded.ShouldBeTrue(WorkerModeTests.Describe(done));

        // Services for what holds no volume, a container for the media worker beside the volume.
        var generic = $"{hs.Instance}-synapse-generic1";
        (await hs.ServiceAsync(generic, "{{.Spec.Name}}")).ShouldBe(generic);
        (await hs.ServiceAsync($"{hs.Instance}-synapse-federation-sender1", "{{.Spec.Name}}")).ShouldBe($"{hs.Instance}-synapse-federation-sender1");
        (await hs.ServiceAsync($"{hs.Instance}-redis", "{{.Spec.Name}}")).ShouldBe($"{hs.Instance}-redis");
        (await DockerTestHelper.CliAsync("container", "inspect", generic)).ExitCode.ShouldNotBe(0, "no plain container of that name: the service is the worker");
        (await DockerTestHelper.CliAsync("container", "inspect", $"{hs.Instance}-synapse-media1")).ExitCode.ShouldBe(0);
        // The workers anywhere carry their files as secrets, not the volume; updates roll back on failure.
        (await hs.ServiceAsync(generic, "{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}")).ShouldBeOneOf("null", "[]");
        (await hs.ServiceAsync(generic, "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.File.Name}} {{end}}")).ShouldContain("/data/homeserver.yaml");
        (await hs.ServiceAsync(generic, "{{.Spec.UpdateConfig.FailureAction}}")).ShouldBe("rollback");
        (await hs.ServiceAsync(generic, "{{.Spec.Labels}}")).ShouldContain($"homeserver-panel.instance:{hs.Instance}");

        using (var sam = await hs.ClientAsync("sam"))
        {
            var room = await sam.CreateRoomAsync("On the swarm");
            await sam.SendTextAsync(room, "sent through a service");
            var sync = await sam.GetAsync("/_matrix/client/v3/sync?timeout=0");
            sync.GetProperty("rooms").GetProperty("join").TryGetProperty(room, out _).ShouldBeTrue();
            var logs = (await DockerTestHelper.CliAsync("service", "logs", generic)).Output;
            logs.ShouldContain("GET /_matrix/client/v3/sync");
            logs.ShouldContain("/send/m.room.message/");
        }

        // The service's share of the requests, counted from its log wherever its task runs.
        await hs.EachProcessServesAShareAsync(["generic1"]);

        var view = await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers");
        view.OnSwarm.ShouldBeTrue();
        view.Processes.Single(p => p.Name == "generic1").SwarmService.ShouldBeTrue();
        view.Processes.Single(p => p.Name == "generic1").State!.ShouldStartWith("running");
        view.Processes.Single(p => p.Name == "media1").SwarmService.ShouldBeFalse();
        view.Swarm!.Services.Select(s => s.Name).ShouldContain(generic);

        // A rolling update to another tag of the image, then to one whose worker cannot start.
        var next = TestEnvironment.SynapseImageVariant("next");
        var rolled = await RollOutAsync(next);
        rolled.Operation!.Succeeded.ShouldBeTrue(WorkerModeTests.Describe(rolled));
        (await hs.ServiceAsync(generic, "{{.Spec.TaskTemplate.ContainerSpec.Image}}")).ShouldBe(next);
        (await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers")).WorkerImage.ShouldBe(next);

        var failed = await RollOutAsync(SwarmStack.WorkerBrokenImage);
        failed.Operation!.Succeeded.ShouldBeFalse();
        failed.Operation.Error!.ShouldContain("rolled back");
        failed.Operation.Error!.ShouldContain($"stay on {next}");
        failed.Operation.Error!.ShouldContain("non-zero exit", customMessage: "the failed task's own error, not only \"rollback completed\"");
        (await hs.ServiceAsync(generic, "{{.Spec.TaskTemplate.ContainerSpec.Image}}")).ShouldBe(next);
        (await hs.ServiceAsync(generic, "{{.UpdateStatus.State}}")).ShouldBe("rollback_completed");
        var afterRollback = await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers");
        afterRollback.WorkerImage.ShouldBe(next);
        afterRollback.Swarm!.Services.Single(s => s.Name == generic).UpdateState.ShouldBe("rollback_completed");
        (await hs.Api.AuditAsync("action=homeserver.workers.image")).Count.ShouldBeGreaterThanOrEqualTo(2);
        using (var sam = await hs.ClientAsync("sam"))
        {
            (await sam.GetAsync("/_matrix/client/v3/sync?timeout=0")).GetProperty("next_batch").GetString().ShouldNotBeNullOrEmpty();
        }

        await CardShowsTheSwarmAsync(generic);

        // A service removed behind the panel's back comes back, as a missing container does.
        (await DockerTestHelper.CliAsync("service", "rm", generic)).ExitCode.ShouldBe(0);
        await Eventually.UntilAsync(() => hs.ServiceAsync(generic, "{{.Spec.TaskTemplate.ContainerSpec.Image}}"), image => image == next,
            TimeSpan.FromMinutes(2), "the reconciler deploys the removed service again, on the image the workers run", TimeSpan.FromSeconds(2));

        // So do the media worker's container and the proxy's, on the overlay where the services reach them.
        string[] containers = [$"{hs.Instance}-synapse-media1", $"{hs.Instance}-proxy"];
        (await DockerTestHelper.CliAsync(["rm", "-f", .. containers])).ExitCode.ShouldBe(0);
        foreach (var container in containers)
        {
            await Eventually.UntilAsync(() => DockerTestHelper.InspectAsync(container), c => c?.State?.Running == true && c.NetworkSettings?.Networks?.ContainsKey($"{hs.Instance}-swarm") == true,
                TimeSpan.FromMinutes(2), $"{container} made again and attached to the overlay", TimeSpan.FromSeconds(2));
        }

        // Reversible: back to containers, the services gone.
        var back = await hs.ApplyAsync(new { genericWorkers = 1, swarm = false });
        back.Operation!.Succeeded.ShouldBeTrue(WorkerModeTests.Describe(back));
        (await DockerTestHelper.CliAsync("service", "ls", "-q", "--filter", $"label=homeserver-panel.instance={hs.Instance}")).Output.Trim().ShouldBeEmpty();
        (await DockerTestHelper.CliAsync("container", "inspect", generic)).ExitCode.ShouldBe(0, "the worker is a container again");
        using (var sam = await hs.ClientAsync("sam"))
        {
            (await sam.GetAsync("/_matrix/client/v3/sync?timeout=0")).GetProperty("rooms").GetProperty("join").EnumerateObject().ShouldNotBeEmpty();
        }
    }

    private async Task<HomeserverView> RollOutAsync(string image)
    {
        var response = await hs.Api.Http.PutAsJsonAsync("/api/v1/homeserver/workers/image", new { image }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        return await hs.WaitForOperationAsync(WorkerModeService.ImageKind, TimeSpan.FromMinutes(5));
    }

    private async Task CardShowsTheSwarmAsync(string generic)
    {
        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, width, height);
            await BrowserFixture.RunAsync(page, $"swarm-{width}", async () =>
            {
                await LoginPage.SignInAsOwnerAsync(page);
                await page.GotoAsync("/homeserver");
                await AdminPage.WaitForInteractiveAsync(page);
                var card = page.GetByTestId("workers");
                await Assertions.Expect(card.GetByTestId("swarm-node")).ToContainTextAsync("(this one)");
                await Assertions.Expect(card.Locator($"[data-testid=swarm-service][data-name={generic}]")).ToContainTextAsync("rolled back by Swarm");
                await Assertions.Expect(card.GetByTestId("swarm-limits")).ToContainTextAsync("One PostgreSQL");
                await Assertions.Expect(card.GetByTestId("workers-swarm")).ToBeVisibleAsync();
                await card.ScrollIntoViewIfNeededAsync();
                await card.ScreenshotAsync(new() { Path = Path.Combine(TestEnvironment.ArtifactsDirectory, $"swarm-card-{width}.png") });
                await BrowserFixture.ShouldFitTheWidthAsync(page, width);
            }, hs.Process);
            await page.Context.CloseAsync();
        }
    }
}
