using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Panel.Domain.Containers;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Docker;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Docker;

/// <summary>
/// The stats stream, reduced by the panel, against what `docker stats` prints for the same container.
/// CPU figures only agree when nothing else competes for the CPUs, so this runs in the serial phase.
/// </summary>
[Trait("Category", "Serial")]
public sealed class StatsParityTests : IAsyncLifetime
{
    private readonly string _instance = "st" + Guid.NewGuid().ToString("N")[..8];
    private DockerContainerRuntime _docker = default!;

    public async ValueTask InitializeAsync()
    {
        var options = Options.Create(new DockerOptions { Endpoint = TestEnvironment.DockerEndpoint, NamePrefix = _instance, Labels = new Dictionary<string, string> { ["homeserver-panel.test"] = "true" } });
        _docker = new DockerContainerRuntime(new DockerClientFactory(options), options, NullLogger<DockerContainerRuntime>.Instance);
        await Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await DockerTestHelper.RemoveInstanceAsync(_instance);

    [Fact]
    public async Task Memory_and_CPU_match_Docker_stats()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"{_instance}-load";
        // The Synapse image's entry point would look for a config; run python directly instead.
        await DockerTestHelper.CliAsync("rm", "-f", name);
        var (code, output) = await DockerTestHelper.CliAsync("run", "-d", "--name", name, "--label", $"homeserver-panel.instance={_instance}", "--label", "homeserver-panel.managed=true",
            "--label", "homeserver-panel.test=true", "--memory", "512m", "--entrypoint", "python3", TestEnvironment.SynapseImage, "-c",
            "x = bytearray(64 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\nopen('/tmp/filled', 'w').close()\nwhile True: pass");
        code.ShouldBe(0, output);
        // Compared once its 64 MiB are touched (it says so with a file) and it spins.
        await Eventually.TrueAsync(async () => (await DockerTestHelper.CliAsync("exec", name, "test", "-f", "/tmp/filled")).ExitCode == 0,
            "the load container has touched its memory", TimeSpan.FromSeconds(30));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var samples = new List<ContainerStatsSample>();
        await foreach (var sample in _docker.StreamStatsAsync(name, cts.Token))
        {
            samples.Add(sample);
            if (samples.Count == 4)
            {
                break;
            }
        }

        var (cliCode, cli) = await DockerTestHelper.CliAsync("stats", "--no-stream", "--format", "{{.CPUPerc}}|{{.MemUsage}}", name);
        cliCode.ShouldBe(0, cli);
        var parts = cli.Trim().Split('|');
        var cliCpu = double.Parse(parts[0].TrimEnd('%'), CultureInfo.InvariantCulture);
        var cliMemory = ParseSize(parts[1].Split('/')[0].Trim());
        var ours = samples[^1];

        ours.MemoryLimitBytes.ShouldBe(512L * 1024 * 1024);
        Math.Abs(ours.MemoryBytes - cliMemory).ShouldBeLessThan(4 * 1024 * 1024, $"ours {ours.MemoryBytes}, docker stats {cliMemory}");
        ours.MemoryBytes.ShouldBeGreaterThan(64L * 1024 * 1024);
        Math.Abs(ours.CpuPercent - cliCpu).ShouldBeLessThan(20, $"ours {ours.CpuPercent:0.0} %, docker stats {cliCpu} %");
        ours.CpuPercent.ShouldBeGreaterThan(50);
    }

    private static long ParseSize(string text)
    {
        var units = new (string Suffix, double Factor)[] { ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return (long)(double.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor);
            }
        }

        throw new FormatException(text);
    }
}
