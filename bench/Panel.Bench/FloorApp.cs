using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Panel.Testing;

namespace Panel.Bench;

/// <summary>
/// F: the floor of the panel's stack (bench/Floor), published by bench/run.sh as the panel is and
/// run with the deployment's runtime settings, its one page open in the same browser for as long as
/// P1 keeps the panel's open. What the panel costs above it is what the panel itself adds.
/// </summary>
public static class FloorApp
{
    public static string Dll => Environment.GetEnvironmentVariable("PANEL_BENCH_FLOOR_DLL") is { Length: > 0 } dll && File.Exists(dll)
        ? dll
        : throw new InvalidOperationException("The floor app F is not published: bench/run.sh publishes it (PANEL_BENCH_FLOOR_DLL names its Floor.dll).");

    public static async Task<(long Pss, long Anon, long File, long Shmem)> MeasureAsync(IBrowser browser, IReadOnlyDictionary<string, string> runtimeEnvironment, TimeSpan open)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet", [Path.GetFileName(Dll)])
        {
            WorkingDirectory = Path.GetDirectoryName(Dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in runtimeEnvironment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)))
        {
            info.Environment[key] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        info.Environment["FLOOR_DATA"] = TestEnvironment.NewTempDirectory("floor");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the floor app.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.UntilAsync(async () =>
            {
                try
                {
                    return (await http.GetAsync("/healthz")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, up => up || process.HasExited, TimeSpan.FromSeconds(60), "the floor app answers", TimeSpan.FromMilliseconds(200));
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The floor app exited with code {process.ExitCode}.");
            }

            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = http.BaseAddress.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            // Interactive once the engine was asked: the page's first render on the circuit.
            await page.GetByText("Stripe: BalanceService").WaitForAsync();
            await Task.Delay(open);
            var parts = ProcessProbes.PssParts(process.Id);
            await context.CloseAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"F (floor app) page open {open.TotalSeconds:0} s: {parts.Pss / 1048576.0:0.0} MiB (anonymous {parts.Anon / 1048576.0:0.0}, file {parts.File / 1048576.0:0.0}, shared {parts.Shmem / 1048576.0:0.0})"));
            return parts;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
