using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Docker;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Docker;

/// <summary>The Docker adapter against the real engine, with a small long-running container.</summary>
public sealed class DockerContainerRuntimeTests : IAsyncLifetime
{
    private readonly string _instance = "it" + Guid.NewGuid().ToString("N")[..8];
    private DockerContainerRuntime _docker = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Name(string suffix) => $"{_instance}-{suffix}";

    public ValueTask InitializeAsync()
    {
        var options = Options.Create(new DockerOptions
        {
            Endpoint = TestEnvironment.DockerEndpoint,
            NamePrefix = _instance,
            Labels = new Dictionary<string, string> { ["homeserver-panel.test"] = "true" },
        });
        _docker = new DockerContainerRuntime(new DockerClientFactory(options), options, NullLogger<DockerContainerRuntime>.Instance);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await DockerTestHelper.RemoveInstanceAsync(_instance);

    private async Task<string> StartSleeperAsync(string suffix = "sleeper")
    {
        await _docker.CreateAsync(new ContainerSpec
        {
            Name = Name(suffix),
            Image = TestEnvironment.PostgresImage,
            Component = "test",
            Command = ["sh", "-c", "echo started; echo second line; exec sleep 3600"],
            RestartPolicy = "no",
        }, Ct);
        await _docker.StartAsync(Name(suffix), Ct);
        return Name(suffix);
    }

    [Fact]
    public async Task Create_puts_the_ownership_labels_on_the_container()
    {
        var name = await StartSleeperAsync();

        var info = await _docker.InspectAsync(name, Ct);

        info.ShouldNotBeNull();
        info.IsRunning.ShouldBeTrue();
        info.Labels[OwnershipLabels.Managed].ShouldBe("true");
        info.Labels[OwnershipLabels.Instance].ShouldBe(_instance);
        info.Labels[OwnershipLabels.Component].ShouldBe("test");
        info.Labels["homeserver-panel.test"].ShouldBe("true");
        (await _docker.ListOwnedAsync("test", Ct)).Single().Name.ShouldBe(name);
    }

    [Fact]
    public async Task Inspect_of_a_missing_container_is_null() =>
        (await _docker.InspectAsync(Name("nobody"), Ct)).ShouldBeNull();

    [Fact]
    public async Task Write_files_then_read_file_round_trips_content_and_owner()
    {
        var name = await StartSleeperAsync();

        await _docker.WriteFilesAsync(name, "/tmp", [new ContainerFile("hello.txt", Encoding.UTF8.GetBytes("hello, world\n"), 991, 991, 0b110_000_000)], Ct);

        Encoding.UTF8.GetString((await _docker.ReadFileAsync(name, "/tmp/hello.txt", Ct))!).ShouldBe("hello, world\n");
        var stat = await _docker.ExecAsync(name, ["stat", "-c", "%u:%g %a", "/tmp/hello.txt"], null, Ct);
        stat.StandardOutput.Trim().ShouldBe("991:991 600");
        (await _docker.ReadFileAsync(name, "/tmp/missing.txt", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Exec_returns_the_exit_code_and_both_streams()
    {
        var name = await StartSleeperAsync();

        var result = await _docker.ExecAsync(name, ["sh", "-c", "echo out; echo err >&2; exit 7"], null, Ct);

        result.ExitCode.ShouldBe(7);
        result.StandardOutput.Trim().ShouldBe("out");
        result.StandardError.Trim().ShouldBe("err");
    }

    [Fact]
    public async Task Exec_streams_large_output_and_takes_input()
    {
        var name = await StartSleeperAsync();
        using var output = new MemoryStream();
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("0123456789", 100_000))));

        var result = await _docker.ExecAsync(name, ["sh", "-c", "cat | wc -c"], output, Ct, input);

        result.ExitCode.ShouldBe(0);
        Encoding.UTF8.GetString(output.ToArray()).Trim().ShouldBe("1000000");
    }

    [Fact]
    public async Task Logs_return_the_last_lines()
    {
        var name = await StartSleeperAsync();

        // The container writes its two lines as it starts: read until both are there.
        var lines = await Eventually.UntilAsync(() => _docker.GetLogsAsync(name, 2, Ct), l => l.Count == 2, TimeSpan.FromSeconds(10), "both log lines");
        (await _docker.GetLogsAsync(name, 1, Ct)).ShouldBe(["second line"]);
        lines.ShouldBe(["started", "second line"]);
    }

    [Fact]
    public async Task Stop_restart_remove_work_on_owned_containers()
    {
        var name = await StartSleeperAsync();

        await _docker.StopAsync(name, TimeSpan.FromSeconds(1), Ct);
        (await _docker.InspectAsync(name, Ct))!.IsRunning.ShouldBeFalse();
        await _docker.RestartAsync(name, TimeSpan.FromSeconds(1), Ct);
        (await _docker.InspectAsync(name, Ct))!.IsRunning.ShouldBeTrue();
        await _docker.RemoveAsync(name, Ct);
        (await _docker.InspectAsync(name, Ct)).ShouldBeNull();
        await _docker.RemoveAsync(name, Ct); // removing what is gone is fine
    }

    [Fact]
    public async Task Mutations_of_a_container_the_panel_does_not_own_are_refused()
    {
        var foreign = Name("foreign");
        var (code, output) = await DockerTestHelper.CliAsync("run", "-d", "--name", foreign, "--label", $"homeserver-panel.instance={_instance}-other",
            "--label", "homeserver-panel.test=true", "--entrypoint", "sleep", TestEnvironment.PostgresImage, "3600");
        code.ShouldBe(0, output);
        try
        {
            (await _docker.InspectAsync(foreign, Ct)).ShouldNotBeNull();
            (await Should.ThrowAsync<DomainException>(() => _docker.StopAsync(foreign, TimeSpan.FromSeconds(1), Ct))).Message.ShouldContain("not created by this panel");
            await Should.ThrowAsync<DomainException>(() => _docker.RemoveAsync(foreign, Ct));
            (await _docker.InspectAsync(foreign, Ct))!.IsRunning.ShouldBeTrue();
        }
        finally
        {
            await DockerTestHelper.CliAsync("rm", "-f", foreign);
        }
    }

    [Fact]
    public async Task Events_are_seen_for_owned_containers()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<ContainerEvent>();
        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in _docker.WatchEventsAsync([], cts.Token))
                {
                    seen.Enqueue(e);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, Ct);

        // The watch only sees what happens after it has subscribed, which it does not announce: start and
        // stop sleepers until it has seen one's whole life (the first, unless the watch was still connecting).
        bool SawLifeOf(string container) =>
            seen.Any(e => e.Action == "start" && e.ContainerName == container) && seen.Any(e => e.Action == "die" && e.ContainerName == container);
        var names = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            if (names.Any(SawLifeOf))
            {
                return true;
            }

            var next = await StartSleeperAsync($"evented{names.Count}");
            await _docker.StopAsync(next, TimeSpan.FromSeconds(1), Ct);
            names.Add(next);
            return false;
        }, "the event watch sees a container start and die", TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await watching;

        var name = names.First(SawLifeOf);
        seen.ShouldContain(e => e.Action == "start" && e.ContainerName == name && e.Component == "test");
    }

    [Fact]
    public async Task Networks_and_volumes_are_ensured_once_and_labelled()
    {
        await _docker.EnsureNetworkAsync(Name("net"), new Dictionary<string, string>(), Ct);
        await _docker.EnsureNetworkAsync(Name("net"), new Dictionary<string, string>(), Ct);
        await _docker.EnsureVolumeAsync(Name("vol"), new Dictionary<string, string>(), Ct);
        await _docker.EnsureVolumeAsync(Name("vol"), new Dictionary<string, string>(), Ct);

        (await _docker.VolumeExistsAsync(Name("vol"), Ct)).ShouldBeTrue();
        var volume = await DockerTestHelper.Client.Volumes.InspectAsync(Name("vol"), Ct);
        volume.Labels![OwnershipLabels.Instance].ShouldBe(_instance);

        await _docker.RemoveVolumeAsync(Name("vol"), Ct);
        await _docker.RemoveNetworkAsync(Name("net"), Ct);
        (await _docker.VolumeExistsAsync(Name("vol"), Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task Pull_of_an_image_that_cannot_be_fetched_says_how_to_get_it()
    {
        var error = await Should.ThrowAsync<ImageUnavailableException>(() =>
            _docker.PullImageAsync("registry.invalid/nothing/here:1", new Progress<PullProgress>(), Ct));

        error.Message.ShouldContain("registry.invalid/nothing/here:1");
        error.Message.ShouldContain("this machine cannot reach the registry registry.invalid");
        error.Message.ShouldContain("docker load");
        error.Details.ShouldNotBeNull().ShouldContain("registry.invalid", Case.Insensitive);
    }

    [Fact]
    public async Task An_unreachable_engine_is_reported_as_unavailable()
    {
        var options = Options.Create(new DockerOptions { Endpoint = "unix:///tmp/no-docker-here.sock", NamePrefix = _instance });
        var offline = new DockerContainerRuntime(new DockerClientFactory(options), options, NullLogger<DockerContainerRuntime>.Instance);

        var error = await Should.ThrowAsync<ContainerRuntimeUnavailableException>(() => offline.InspectAsync("anything", Ct));

        error.Message.ShouldContain("/tmp/no-docker-here.sock");
    }
}
