using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Panel.Testing;

namespace Panel.Bench;

/// <summary>
/// P1d: what a self-hoster sees. The panel's image runs in the deploy/compose.yaml setup (the panel on
/// PostgreSQL, the Docker socket mounted), nobody signed in, and `docker stats` is read for its
/// container, against the same reading of the idle Synapse container of this run. Report only: docker
/// stats counts the container's page cache, so it is not PSS (the panel's PSS is in the details).
/// </summary>
public static partial class ComposeMemory
{
    public static async Task<BenchResult> IdleAsync(string synapseContainer, bool quick)
    {
        var idle = TimeSpan.FromMinutes(quick ? 1 : 5);
        var tag = "homeserver-panel/panel:bench-p1d";
        var project = "p1d" + Guid.NewGuid().ToString("N")[..6];
        var envFile = Path.Combine(TestEnvironment.NewTempDirectory("p1d"), ".env");
        await PanelImage.BuildAsync(tag);
        var socketGroup = (await ProcessRunner.RunAsync("stat", "-c", "%g", "/var/run/docker.sock")).Output.Trim();
        var port = FreePort();
        await File.WriteAllLinesAsync(envFile,
        [
            "COMPOSE_PROFILES=direct-socket", $"DOCKER_GID={socketGroup}", $"PANEL_DB_PASSWORD={Guid.NewGuid():N}",
            $"PANEL_LISTEN=127.0.0.1:{port}", $"PANEL_IMAGE={tag}", $"POSTGRES_IMAGE={TestEnvironment.PostgresImage}", "TZ=UTC",
        ]);
        string[] compose = ["-p", project, "--env-file", envFile, "-f", Path.Combine(TestEnvironment.RepoRoot, "deploy", "compose.yaml")];
        try
        {
            var up = await ProcessRunner.RunAsync("docker-compose", [.. compose, "up", "-d", "--no-build"]);
            if (up.ExitCode != 0)
            {
                throw new InvalidOperationException($"docker-compose up failed: {up.Output}");
            }

            var panel = (await ProcessRunner.RunAsync("docker-compose", [.. compose, "ps", "-q", "panel"])).Output.Trim();
            var db = (await ProcessRunner.RunAsync("docker-compose", [.. compose, "ps", "-q", "db"])).Output.Trim();
            await Eventually.UntilAsync(async () => (await DockerTestHelper.InspectAsync(panel))?.State?.Health?.Status, s => s == "healthy",
                TimeSpan.FromMinutes(3), () => "the panel's container turns healthy under compose: " + DockerTestHelper.CliAsync("logs", "--tail", "40", panel).GetAwaiter().GetResult().Output,
                TimeSpan.FromSeconds(2));
            // Set up as a user has it (an owner exists), then nobody signs in.
            var owner = await DockerTestHelper.CliAsync("exec", panel, "sh", "-c", "echo 'correct horse battery staple' | /app/Panel.Web admin create-owner --username owner --password-stdin");
            if (owner.ExitCode != 0)
            {
                throw new InvalidOperationException($"creating the owner failed: {owner.Output}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"P1d: the panel runs under compose (project {project}); idle for {idle.TotalMinutes:0} min"));
            await Task.Delay(idle);
            var panelUsage = await StatsMedianAsync(panel);
            var synapseUsage = await StatsMedianAsync(synapseContainer);
            var dbUsage = await StatsMedianAsync(db);
            var pid = (int)(await DockerTestHelper.InspectAsync(panel))!.State!.Pid;
            var (pss, anon, file, _) = ProcessProbes.PssParts(pid);
            var ratio = panelUsage / synapseUsage;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"P1d docker stats: panel {panelUsage / 1048576.0:0.0} MiB, its database {dbUsage / 1048576.0:0.0} MiB, Synapse {synapseUsage / 1048576.0:0.0} MiB; panel PSS {pss / 1048576.0:0.0} MiB"));
            return new BenchResult("P1d", "panel container in docker stats, idle", panelUsage, "bytes", "the idle Synapse container in docker stats",
                synapseUsage, ratio, "report only", true, new Dictionary<string, double>
                {
                    ["minutes idle, no page opened"] = idle.TotalMinutes,
                    ["panel PSS MiB"] = pss / 1048576.0,
                    ["panel PSS anonymous MiB"] = anon / 1048576.0,
                    ["panel PSS file-backed MiB"] = file / 1048576.0,
                    ["panel's PostgreSQL container in docker stats MiB"] = dbUsage / 1048576.0,
                });
        }
        finally
        {
            await ProcessRunner.RunAsync("docker-compose", [.. compose, "down", "-v"]);
            await DockerTestHelper.CliAsync("rmi", "-f", tag);
        }
    }

    /// <summary>The memory `docker stats` shows for a container, the median of five readings two seconds apart.</summary>
    private static async Task<double> StatsMedianAsync(string container)
    {
        var readings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var stats = await DockerTestHelper.CliAsync("stats", "--no-stream", "--format", "{{.MemUsage}}", container);
            readings.Add(ParseUsage(stats.Output));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        return readings.Order().ElementAt(readings.Count / 2);
    }

    /// <summary>"123.4MiB / 23.54GiB": the first figure, in bytes.</summary>
    private static double ParseUsage(string memUsage)
    {
        var match = Usage().Match(memUsage);
        if (!match.Success)
        {
            throw new InvalidOperationException($"docker stats printed no memory figure: '{memUsage.Trim()}'");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "B" => value,
            "KiB" => value * 1024,
            "MiB" => value * 1048576,
            "GiB" => value * 1073741824,
            _ => throw new InvalidOperationException($"docker stats printed an unknown unit: '{memUsage.Trim()}'"),
        };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\s*([0-9.]+)\s*(B|KiB|MiB|GiB)\b")]
    private static partial Regex Usage();
}
