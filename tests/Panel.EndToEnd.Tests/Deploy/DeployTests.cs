using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;
using Panel.Web.Features.Monitoring;

namespace Panel.EndToEnd.Tests.Deploy;

/// <summary>
/// What deploy/ gives a self-hoster: a compose file that docker-compose accepts, and the panel's
/// image, built the way a host without registry access builds it (a base made from Debian packages
/// and the published panel), running on the real engine with the socket mounted.
/// </summary>
// Serial: publishing the panel self-contained and building an image keeps both cores busy for a
// minute or two, which the timing-sensitive tests of the parallel phase should not have to share.
[Trait("Category", "Serial")]
[Collection(Serial.MachineAlone.Name)]
public sealed class DeployTests
{
    private static readonly string DeployDirectory = Path.Combine(TestEnvironment.RepoRoot, "deploy");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_compose_file_is_valid_with_the_example_environment_and_names_what_is_missing()
    {
        var valid = await ProcessRunner.RunAsync("docker-compose", "--env-file", Path.Combine(DeployDirectory, ".env.example"), "-f", Path.Combine(DeployDirectory, "compose.yaml"), "config");
        valid.ExitCode.ShouldBe(0, valid.Output);
        valid.Output.ShouldContain("Panel__Database__Provider: Postgres");
        valid.Output.ShouldContain("/var/run/docker.sock:/var/run/docker.sock");
        valid.Output.ShouldContain("tcp://socket-proxy:2375");
        valid.Output.ShouldContain("condition: service_healthy");

        // Without the database password, compose refuses and says which variable to set.
        var env = TestEnvironment.NewTempDirectory("compose-env");
        var example = await File.ReadAllLinesAsync(Path.Combine(DeployDirectory, ".env.example"), Ct);
        await File.WriteAllLinesAsync(Path.Combine(env, ".env"), example.Where(l => !l.StartsWith("PANEL_DB_PASSWORD=", StringComparison.Ordinal)), Ct);
        var missing = await ProcessRunner.RunAsync("docker-compose", "--env-file", Path.Combine(env, ".env"), "-f", Path.Combine(DeployDirectory, "compose.yaml"), "config");
        missing.ExitCode.ShouldNotBe(0);
        missing.Output.ShouldContain("set PANEL_DB_PASSWORD");
    }

    [Fact]
    public async Task The_Dockerfile_and_the_systemd_unit_give_the_runtime_the_same_memory_settings()
    {
        // The runtime reads DOTNET_GCgen0size and DOTNET_TC_CallCounting only from the environment,
        // so each deployment sets them; the bench measures the panel with the unit's settings
        // (bench/Panel.Bench/Deployment.cs).
        var unit = (await File.ReadAllLinesAsync(Path.Combine(DeployDirectory, "systemd", "homeserver-panel.service"), Ct))
            .Select(l => l.Trim()).Where(l => l.StartsWith("Environment=DOTNET_", StringComparison.Ordinal)).Select(l => l["Environment=".Length..]).ToList();
        unit.ShouldContain("DOTNET_GCgen0size=0x400000");
        unit.ShouldContain("DOTNET_TC_CallCounting=0");
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(DeployDirectory, "Dockerfile"), Ct);
        foreach (var setting in unit)
        {
            dockerfile.ShouldContain(setting, customMessage: "the Dockerfile's ENV should set what the systemd unit sets");
        }
    }

    [Fact]
    public async Task The_panel_image_built_from_a_local_base_runs_healthy_and_reaches_the_engine_through_the_socket()
    {
        var instance = "t" + Guid.NewGuid().ToString("N")[..8];
        var tag = $"homeserver-panel/panel:test-{instance}";
        var container = $"{instance}-panel";
        try
        {
            var context = await PanelImage.BuildAsync(tag);

            // As compose runs it: the socket mounted, the socket's group added for the unprivileged user.
            var socketGroup = (await ProcessRunner.RunAsync("stat", "-c", "%g", "/var/run/docker.sock")).Output.Trim();
            var run = await DockerTestHelper.CliAsync("run", "-d", "--name", container, "--label", "homeserver-panel.test=true",
                "-v", "/var/run/docker.sock:/var/run/docker.sock", "--group-add", socketGroup,
                "-e", $"Panel__Docker__NamePrefix={instance}", "-e", "Panel__Docker__Labels__homeserver-panel.test=true", tag);
            run.ExitCode.ShouldBe(0, run.Output);

            var inspect = (await DockerTestHelper.InspectAsync(container)).ShouldNotBeNull();
            (inspect.Config?.User).ShouldBe("1654:1654");
            // The memory settings of issue 9: the gen0 cap and the single compile of each method from
            // the image's environment, and the published runtime configuration (Workstation GC,
            // trimmed: ADR-006 to ADR-008).
            (inspect.Config?.Env).ShouldNotBeNull().ShouldContain("DOTNET_GCgen0size=0x400000");
            inspect.Config!.Env.ShouldContain("DOTNET_TC_CallCounting=0");
            var runtimeConfig = await File.ReadAllTextAsync(Path.Combine(context, "deploy", "prebuilt", "Panel.Web.runtimeconfig.json"), Ct);
            runtimeConfig.ShouldNotContain("\"System.Runtime.TieredCompilation\": false");
            runtimeConfig.ShouldContain("\"System.GC.Server\": false");
            runtimeConfig.ShouldContain("\"Microsoft.Extensions.DependencyInjection.VerifyOpenGenericServiceTrimmability\": true");
            var address = (inspect.NetworkSettings?.Networks?.Values).ShouldNotBeNull().Select(n => n.IPAddress).First(ip => !string.IsNullOrEmpty(ip));
            using var http = new HttpClient { BaseAddress = new Uri($"http://{address}:8080") };

            // /healthz answers healthy, with the engine reached through the mounted socket.
            var health = await Eventually.UntilAsync(() => HealthAsync(http), h => h is not null, TimeSpan.FromSeconds(90),
                () => "the panel in its container answers /healthz: " + Logs(container), TimeSpan.FromSeconds(1));
            health!.Value.GetProperty("status").GetString().ShouldBe("healthy");
            health.Value.GetProperty("checks").GetProperty("docker").GetProperty("message").GetString()!.ShouldContain("unix:///var/run/docker.sock");

            // Started in /data (the image's WORKDIR), the panel still serves its own files: the
            // script that makes the admin UI interactive and the public pages' stylesheet, not empty.
            (await http.GetByteArrayAsync("/_framework/blazor.web.js", Ct)).Length.ShouldBeGreaterThan(10_000);
            var login = await http.GetStringAsync("/account/login", Ct);
            var stylesheet = System.Text.RegularExpressions.Regex.Match(login, "href=\"(css/[^\"]+\\.css)\"").Groups[1].Value;
            stylesheet.ShouldNotBeEmpty(login);
            (await http.GetByteArrayAsync("/" + stylesheet, Ct)).Length.ShouldBeGreaterThan(100);

            // The image's own HEALTHCHECK (the panel's healthcheck command) turns the container healthy.
            await Eventually.UntilAsync(async () => (await DockerTestHelper.InspectAsync(container))?.State?.Health?.Status, s => s == "healthy",
                TimeSpan.FromSeconds(120), () => "Docker reports the container healthy: " + Logs(container), TimeSpan.FromSeconds(1));

            // The panel lists and watches containers from inside: an owner and a token made with
            // the CLI in the container, then the panel's own container added to monitoring.
            var owner = await DockerTestHelper.CliAsync("exec", container, "sh", "-c", "echo 'correct horse battery staple' | /app/Panel.Web admin create-owner --username owner --password-stdin");
            owner.ExitCode.ShouldBe(0, owner.Output);
            var token = await DockerTestHelper.CliAsync("exec", container, "/app/Panel.Web", "admin", "create-api-token", "--name", "deploy-test");
            token.ExitCode.ShouldBe(0, token.Output);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Output.Trim().Split('\n')[^1].Trim());
            var api = new PanelApi(http);
            await api.PostAsync("/api/v1/metrics/watched", new { name = container }, HttpStatusCode.NoContent);
            var summary = await Eventually.UntilAsync(() => api.GetAsync<MetricsSummary>("/api/v1/metrics/summary"),
                s => s.Containers.Any(c => c.Name == container && c.Live), TimeSpan.FromSeconds(60),
                () => "the panel samples its own container: " + Logs(container), TimeSpan.FromSeconds(1));
            summary.Containers.Single(c => c.Name == container).MemoryBytes.ShouldBeGreaterThan(10_000_000);
        }
        finally
        {
            await DockerTestHelper.CliAsync("rm", "-f", container);
            await DockerTestHelper.CliAsync("rmi", "-f", tag);
        }
    }

    private static string Logs(string container) => DockerTestHelper.CliAsync("logs", "--tail", "40", container).GetAwaiter().GetResult().Output;

    /// <summary>The panel's /healthz answer, or null while it does not answer yet.</summary>
    private static async Task<JsonElement?> HealthAsync(HttpClient http)
    {
        try
        {
            var response = await http.GetAsync("/healthz", Ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(Ct) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
