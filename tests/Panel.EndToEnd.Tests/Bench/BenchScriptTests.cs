using System.Diagnostics;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Bench;

/// <summary>bench/run.sh sets up what it needs and tells a suite that could not run (exit 2) from a missed budget (exit 1).</summary>
public sealed class BenchScriptTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bench_whose_measure_cannot_be_taken_exits_2_and_says_why()
    {
        // The homeserver install (always measured) is given an image that is nowhere: the measure
        // cannot be taken, which is a failure of the suite, not an over-budget figure.
        var output = Path.Combine(TestEnvironment.NewTempDirectory("bench"), "latest.json");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot };
        foreach (var a in new[] { Path.Combine(TestEnvironment.RepoRoot, "bench", "run.sh"), "--quick", "--only", "P6", "--output", output })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["PANEL_TEST_SYNAPSE_IMAGE"] = "homeserver-panel/synapse:not-on-this-machine";
        info.Environment["PANEL_TEST_PANEL_DLL"] = PanelProcess.PanelDll;
        // tests/run.sh has built the bench in Debug: no Release build of its own (minutes of the suite).
        if (File.Exists(Path.Combine(TestEnvironment.RepoRoot, "bench", "Panel.Bench", "bin", "Debug", "net10.0", "Panel.Bench.dll")))
        {
            info.Environment["PANEL_BENCH_BUILT"] = "Debug";
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        var text = await stdout + await stderr;

        process.ExitCode.ShouldBe(2, text);
        text.ShouldContain("the suite could not run");
        text.ShouldContain("not-on-this-machine");
        File.Exists(output).ShouldBeFalse();
    }
}
