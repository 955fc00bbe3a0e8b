using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;
using Panel.Web.Features.Monitoring;

namespace Panel.EndToEnd.Tests.Serial;

/// <summary>
/// What happens when dockerd itself restarts. These tests stop the engine for everyone, so
/// tests/run.sh runs them in a phase of their own, after all the others.
/// </summary>
[Trait("Category", "Serial")]
[Collection(MachineAlone.Name)]
public sealed class DockerRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task RestartDockerdAsync()
    {
        var info = new ProcessStartInfo(Path.Combine(TestEnvironment.RepoRoot, "tests", "restart-dockerd.sh")) { UseShellExecute = false, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, error);
    }

    [Fact]
    public async Task After_a_dockerd_restart_Synapse_comes_back_and_the_panel_sees_it()
    {
        await using var panel = new HomeserverPanel();
        await panel.StartAsync();
        await panel.InstallAsync("dockerd.example.test", "sqlite");
        await panel.WaitUntilHealthyAsync();

        await RestartDockerdAsync();

        var view = await panel.WaitUntilHealthyAsync(TimeSpan.FromMinutes(2));
        view.Status.DockerReachable.ShouldBeTrue();
        var health = await panel.Process.CreateClient().GetFromJsonAsync<JsonElement>("/healthz", Ct);
        health.GetProperty("checks").GetProperty("docker").GetProperty("status").GetString().ShouldBe("healthy");
        panel.Process.Output.ShouldContain("Docker is reachable again");

        // The sampler opened its streams again: a fresh, live sample of Synapse.
        var restartedAt = DateTimeOffset.UtcNow;
        await Eventually.UntilAsync(() => panel.Api.GetAsync<MetricsSummary>("/api/v1/metrics/summary"),
            s => s.Containers.Any(c => c.Key == "homeserver" && c.Live && c.SampledAt > restartedAt), TimeSpan.FromSeconds(60),
            "A fresh, live sample of Synapse (the sampler streams again after dockerd came back)", TimeSpan.FromMilliseconds(500));
    }
}
