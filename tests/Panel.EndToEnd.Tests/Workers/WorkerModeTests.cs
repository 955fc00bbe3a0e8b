using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Workers;

/// <summary>A PostgreSQL homeserver behind the proxy its panel runs, with a certificate from a test CA: what worker mode needs.</summary>
public class WorkerStack : HomeserverPanel, IAsyncLifetime
{
    public const string ServerName = "workers.example.test";
    public const string Password = "a long enough password";

    public WorkerStack() : this(FreePort.Next())
    {
    }

    private WorkerStack(int proxyPort) : base(new Dictionary<string, string>
    {
        ["Panel__Homeserver__RedisImage"] = "homeserver-panel/redis:latest",
        ["Panel__ReverseProxy__BindAddress"] = "127.0.0.1",
        ["Panel__ReverseProxy__HttpsPort"] = proxyPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Panel__ReverseProxy__HttpPort"] = "0",
    })
    {
        ProxyPort = proxyPort;
    }

    private int ProxyPort { get; }

    public TestCertificateAuthority Ca { get; } = new(TestEnvironment.NewTempDirectory("workers-ca"));

    public virtual async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "postgres");
        await WaitUntilHealthyAsync();
        using var certificate = Ca.Issue(ServerName);
        var (pem, key) = TestCertificateAuthority.Pem(certificate);
        (await Api.Http.PutAsJsonAsync("/api/v1/homeserver/proxy", new { certificate = "provided", certificatePem = pem, keyPem = key })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await WaitForOperationAsync("proxy")).Operation!.Succeeded.ShouldBeTrue();
    }

    /// <summary>A client that reaches the homeserver only through the proxy, by its public name.</summary>
    public async Task<MatrixClient> ClientAsync(string user)
    {
        var client = new MatrixClient($"https://{ServerName}:{ProxyPort}/", Ca.HandlerTo(new IPEndPoint(IPAddress.Loopback, ProxyPort)));
        await client.LoginAsync(user, Password);
        return client;
    }

    public Task CreateUserAsync(string name) => Api.CreateUserAsync(new CreateUserRequest(name, null, Password, false));

    public async Task<HomeserverView> ApplyAsync(object layout)
    {
        var response = await Api.Http.PutAsJsonAsync("/api/v1/homeserver/workers", layout);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        // A backup comes first (unless one is recent), then the operation.
        return await WaitForOperationAsync(WorkerModeService.Kind, TimeSpan.FromMinutes(6));
    }

    /// <summary>
    /// Waits until <paramref name="serving"/> each have a share of the requests on the Processes card (the
    /// panel counts a worker's from its access log every 20 s, from the reading after the worker started),
    /// and checks the shares add up and Monitoring shows the same.
    /// </summary>
    public async Task EachProcessServesAShareAsync(IReadOnlyList<string> serving)
    {
        var view = await Eventually.UntilAsync(() => Api.GetAsync<WorkersView>("/api/v1/homeserver/workers"),
            v => serving.All(name => v.Processes.Single(p => p.Name == name).Requests is { Requests: > 0 }),
            TimeSpan.FromSeconds(90), () => $"a share of the requests for {string.Join(", ", serving)}", TimeSpan.FromSeconds(3));
        view.Processes.Where(p => p.Requests is not null).Sum(p => p.Requests!.Percent).ShouldBe(100, 0.5);
        var worker = view.Processes.Single(p => p.Name == serving[0]);
        var monitored = await Eventually.UntilAsync(() => Api.GetAsync<MetricsSummary>("/api/v1/metrics/summary"),
            m => m.Containers.Any(c => c.Key == worker.Container && c.Requests is not null), TimeSpan.FromSeconds(30), $"{worker.Container}'s requests in Monitoring");
        monitored.Containers.Single(c => c.Key == worker.Container).Requests!.Requests.ShouldBeGreaterThanOrEqualTo(worker.Requests!.Requests);
    }

    public async Task<string> LogsAsync(string container) => (await DockerTestHelper.CliAsync("logs", container)).Output;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Ca.Dispose();
    }
}

public sealed class WorkerModeTests(WorkerStack hs, BrowserFixture browser) : IClassFixture<WorkerStack>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_processes_card_lists_each_process_with_its_state_at_desktop_and_phone_width()
    {
        foreach (var (width, height) in new[] { (1366, 900), (390, 844) })
        {
            var page = await browser.NewPageAsync(hs.Process.BaseUrl, width, height);
            await BrowserFixture.RunAsync(page, $"workers-{width}", async () =>
            {
                await LoginPage.SignInAsOwnerAsync(page);
                await page.GotoAsync("/homeserver");
                await AdminPage.WaitForInteractiveAsync(page);
                var card = page.GetByTestId("workers");
                await Assertions.Expect(card.Locator("[data-testid=worker-process][data-name=main]")).ToContainTextAsync("running");
                await Assertions.Expect(card.GetByTestId("workers-layout")).ToContainTextAsync("Now: ");
                await Assertions.Expect(card.GetByTestId("workers-apply")).ToBeVisibleAsync();
                await card.ScrollIntoViewIfNeededAsync();
                await card.ScreenshotAsync(new() { Path = Path.Combine(TestEnvironment.ArtifactsDirectory, $"workers-card-{width}.png") });
                await BrowserFixture.ShouldFitTheWidthAsync(page, width);
            }, hs.Process);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Worker_mode_serves_sync_from_a_generic_worker_and_media_from_the_media_worker_through_the_proxy()
    {
        await hs.CreateUserAsync("wanda");
        var done = await hs.ApplyAsync(new { genericWorkers = 1, federationSender = true, mediaWorker = true });
        done.Operation!.Succeeded.ShouldBeTrue(Describe(done));

        var view = await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers");
        view.Processes.Select(p => p.Name).ShouldBe(["main", "generic1", "federation_sender1", "media1"]);
        view.Processes.ShouldAllBe(p => p.State == "running");

        using var wanda = await hs.ClientAsync("wanda");
        var room = await wanda.CreateRoomAsync("Across processes");
        await wanda.SendTextAsync(room, "sent through a worker");
        var sync = await wanda.GetAsync("/_matrix/client/v3/sync?timeout=0");
        sync.GetProperty("rooms").GetProperty("join").TryGetProperty(room, out _).ShouldBeTrue();
        var mxc = await wanda.UploadAsync("hello.txt", "hello from the media worker"u8.ToArray(), "text/plain");
        (await wanda.DownloadStatusAsync(mxc)).ShouldBe(HttpStatusCode.OK);

        // Each request was served where the proxy sent it: the access logs say which process answered.
        var generic = await hs.LogsAsync($"{hs.Instance}-synapse-generic1");
        generic.ShouldContain("GET /_matrix/client/v3/sync");
        generic.ShouldContain("/send/m.room.message/");
        (await hs.LogsAsync(hs.SynapseContainer)).ShouldNotContain("/_matrix/client/v3/sync");
        var media = await hs.LogsAsync($"{hs.Instance}-synapse-media1");
        media.ShouldContain("POST /_matrix/media/v3/upload");
        media.ShouldContain("GET /_matrix/client/v1/media/download/");
        (await hs.Api.AuditAsync("action=homeserver.workers")).ShouldContain(e => e.Details!.Contains("1 generic worker"));
        await hs.EachProcessServesAShareAsync(["generic1", "media1"]);

        // A worker's container and the proxy's, removed behind the panel's back, come back (the
        // reconciler's pass, nudged by the engine's events) and serve again.
        (await DockerTestHelper.CliAsync("rm", "-f", $"{hs.Instance}-synapse-generic1", $"{hs.Instance}-proxy")).ExitCode.ShouldBe(0);
        await Eventually.UntilAsync(() => hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers"), v => v.Processes.Single(p => p.Name == "generic1").State == "running",
            TimeSpan.FromSeconds(120), "generic1's container made again", TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(() => DockerTestHelper.InspectAsync($"{hs.Instance}-proxy"), c => c?.State?.Running == true,
            TimeSpan.FromSeconds(120), "the proxy's container made again", TimeSpan.FromSeconds(2));
        var served = await Eventually.UntilAsync(async () =>
        {
            try
            {
                using var again = await hs.ClientAsync("wanda");
                return (await again.GetAsync("/_matrix/client/v3/sync?timeout=0")).GetProperty("rooms").GetProperty("join").TryGetProperty(room, out _);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                return false;
            }
        }, ok => ok, TimeSpan.FromSeconds(90), "a sync through the proxy made again", TimeSpan.FromSeconds(3));
        served.ShouldBeTrue();
        (await hs.LogsAsync($"{hs.Instance}-synapse-generic1")).ShouldContain("GET /_matrix/client/v3/sync");

        // Only the proxy sends requests to the workers: it cannot be turned off under them.
        var off = await hs.Api.Http.DeleteAsync("/api/v1/homeserver/proxy", TestContext.Current.CancellationToken);
        off.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await off.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("Go back to one process first");

        // Work that replaces Synapse's container or data waits for one process: workers would be left behind.
        var upgrade = await hs.Api.Http.PostAsJsonAsync("/api/v1/homeserver/upgrade", new { image = TestEnvironment.SynapseImageVariant("next") }, TestContext.Current.CancellationToken);
        upgrade.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await upgrade.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("Go back to one process first");

        // The panel's own media calls follow the media to its worker: quarantine from the panel still works.
        (await hs.Api.Http.PostAsJsonAsync("/api/v1/moderation/quarantine", new { mxc }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await wanda.DownloadStatusAsync(mxc)).ShouldBe(HttpStatusCode.NotFound);
        (await hs.Api.Http.GetAsync("/api/v1/moderation/quarantine", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Stop and start take the workers along.
        (await hs.Api.Http.PostAsync("/api/v1/homeserver/stop", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await hs.WaitForOperationAsync("stop")).Operation!.Succeeded.ShouldBeTrue();
        (await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers")).Processes.ShouldAllBe(p => p.State != "running");
        (await hs.Api.Http.PostAsync("/api/v1/homeserver/start", null, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await hs.WaitForOperationAsync("start")).Operation!.Succeeded.ShouldBeTrue();
        (await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers")).Processes.ShouldAllBe(p => p.State == "running");
    }

    [Fact]
    public async Task Workers_that_cannot_start_are_rolled_back_to_the_layout_before_with_the_data_intact()
    {
        await hs.CreateUserAsync("ron");
        using (var before = await hs.ClientAsync("ron"))
        {
            var room = await before.CreateRoomAsync("Kept");
            await before.SendTextAsync(room, "written before the failed change");
        }

        var layoutBefore = (await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers")).Layout;
        // 64 MiB is the least the panel allows; a Synapse worker needs more, and is killed as it starts.
        var failed = await hs.ApplyAsync(new { genericWorkers = 2, federationSender = false, mediaWorker = false, workerMemoryLimitMb = 64 });

        failed.Operation!.Succeeded.ShouldBeFalse(Describe(failed));
        failed.Operation.Error.ShouldNotBeNull().ShouldContain($"back to {layoutBefore}");
        var after = await hs.Api.GetAsync<WorkersView>("/api/v1/homeserver/workers");
        after.Layout.ShouldBe(layoutBefore);
        (await DockerTestHelper.InspectAsync($"{hs.Instance}-synapse-generic2")).ShouldBeNull();
        using var ron = await hs.ClientAsync("ron");
        var kept = (await ron.JoinedRoomsAsync()).Single();
        (await ron.RecentTextsAsync(kept)).ShouldContain("written before the failed change");
        (await hs.Api.AuditAsync("action=homeserver.workers")).ShouldContain(e => e.Outcome == "Failure");
    }

    internal static string Describe(HomeserverView view) =>
        view.Operation!.Error + "\n" + string.Join("\n", view.Operation.Steps.Select(s => $"{s.Title}: {s.Status} {s.Message}{(s.Details is { } d ? "\n" + d : "")}"));
}
