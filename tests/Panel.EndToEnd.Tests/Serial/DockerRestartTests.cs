using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Serial;

/// <summary>
/// What happens when dockerd itself restarts. These tests stop the engine for everyone, so
/// tests/run.sh runs them in a phase of their own, after all the others.
/// </summary>
[Trait("Category", "Serial")]
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
    public async Task AfterADockerdRestart_SynapseComesBack_AndThePanelSeesIt()
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
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var live = false;
        while (!live && DateTime.UtcNow < deadline)
        {
            var summary = await panel.Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/metrics/summary", Ct);
            live = summary.GetProperty("containers").EnumerateArray().Any(c => c.GetProperty("key").GetString() == "homeserver"
                && c.GetProperty("live").GetBoolean() && c.GetProperty("sampledAt").GetDateTimeOffset() > restartedAt);
            await Task.Delay(500, Ct);
        }

        live.ShouldBeTrue("the sampler should stream again after dockerd came back");
    }
}
