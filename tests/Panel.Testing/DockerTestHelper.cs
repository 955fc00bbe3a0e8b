using Docker.DotNet;
using Docker.DotNet.Models;

namespace Panel.Testing;

/// <summary>Direct access to the test engine: to check what the panel did, and to clean up after it.</summary>
public static class DockerTestHelper
{
    private static readonly Lazy<IDockerClient> LazyClient = new(() =>
        new DockerClientBuilder().WithEndpoint(new Uri(TestEnvironment.DockerEndpoint)).WithApiVersion(new System.Version(1, 41)).Build());

    public static IDockerClient Client => LazyClient.Value;

    public static async Task<IList<ContainerListResponse>> ContainersOfInstanceAsync(string instance) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"homeserver-panel.instance={instance}"] = true } },
        });

    /// <summary>Removes every container, network and volume of one panel instance.</summary>
    public static async Task RemoveInstanceAsync(string instance)
    {
        var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"homeserver-panel.instance={instance}"] = true } };
        foreach (var c in await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter }))
        {
            await Client.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
        }

        foreach (var n in await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }))
        {
            try
            {
                await Client.Networks.DeleteNetworkAsync(n.ID);
            }
            catch (DockerApiException)
            {
            }
        }

        var volumes = await Client.Volumes.ListAsync(new VolumesListParameters { Filters = filter });
        foreach (var v in volumes.Volumes ?? [])
        {
            try
            {
                await Client.Volumes.RemoveAsync(v.Name, force: true);
            }
            catch (DockerApiException)
            {
            }
        }
    }

    /// <summary>Makes the engine a single-node Swarm manager; false when it already was one (then it should stay one).</summary>
    public static async Task<bool> JoinSwarmAsync()
    {
        if ((await CliAsync("info", "--format", "{{.Swarm.LocalNodeState}}")).Output.Trim() == "active")
        {
            return false;
        }

        var init = await CliAsync("swarm", "init", "--advertise-addr", "127.0.0.1");
        return init.ExitCode == 0 ? true : throw new InvalidOperationException($"docker swarm init failed: {init.Output}");
    }

    /// <summary>Removes one instance's Swarm services (before its networks: the overlay is in use until they go).</summary>
    public static async Task RemoveServicesAsync(string instance)
    {
        var services = (await CliAsync("service", "ls", "-q", "--filter", $"label=homeserver-panel.instance={instance}")).Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (services.Length > 0)
        {
            await CliAsync(["service", "rm", .. services]);
        }
    }

    public static Task LeaveSwarmAsync() => CliAsync("swarm", "leave", "--force");

    /// <summary>Runs the docker CLI (for exec and kill, where the CLI is the clearest way to say it).</summary>
    public static Task<(int ExitCode, string Output)> CliAsync(params string[] args) => ProcessRunner.RunAsync("docker", args);

    /// <summary>A file in a container, read with `docker cp` to stdout; null when it does not exist.</summary>
    public static async Task<string?> TryReadFileAsync(string container, string path)
    {
        var (exit, output) = await CliAsync("exec", container, "cat", path);
        return exit == 0 ? output : null;
    }

    public static async Task<string> ReadFileAsync(string container, string path) =>
        await TryReadFileAsync(container, path) ?? throw new InvalidOperationException($"{path} does not exist in {container}.");

    /// <summary>Runs a command in a running container; fails the test with its output when it fails.</summary>
    public static async Task<string> ExecAsync(string container, params string[] command)
    {
        var (exit, output) = await CliAsync(["exec", container, .. command]);
        return exit == 0 ? output : throw new InvalidOperationException($"`{string.Join(' ', command)}` in {container} exited with {exit}: {output}");
    }

    public static async Task<ContainerInspectResponse?> InspectAsync(string container)
    {
        try
        {
            return await Client.Containers.InspectContainerAsync(container);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    public static async Task<bool> VolumeExistsAsync(string name)
    {
        var (exit, _) = await CliAsync("volume", "inspect", name);
        return exit == 0;
    }
}
