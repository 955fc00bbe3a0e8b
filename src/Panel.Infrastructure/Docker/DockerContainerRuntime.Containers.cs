using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using ContainerSpec = Panel.Domain.Containers.ContainerSpec;

namespace Panel.Infrastructure.Docker;

// Containers: inspect, list what the panel owns, create, and change their state.
internal sealed partial class DockerContainerRuntime
{
    public Task<ContainerInfo?> InspectAsync(string nameOrId, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                return ToInfo(await Docker.Containers.InspectContainerAsync(nameOrId, cancellationToken));
            }
            catch (DockerContainerNotFoundException)
            {
                return null;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    public Task<IReadOnlyList<ContainerInfo>> ListOwnedAsync(string? component, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<ContainerInfo>>(async () =>
        {
            var labels = new Dictionary<string, bool> { [$"{OwnershipLabels.Instance}={Instance}"] = true, [$"{OwnershipLabels.Managed}=true"] = true };
            if (component is not null)
            {
                labels[$"{OwnershipLabels.Component}={component}"] = true;
            }

            var list = await Docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
            }, cancellationToken);
            var result = new List<ContainerInfo>();
            foreach (var c in list)
            {
                if (await InspectAsync(c.ID, cancellationToken) is { } info)
                {
                    result.Add(info);
                }
            }

            return result;
        });

    public Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var host = new HostConfig
            {
                Mounts = spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Key, Target = v.Value }).ToList(),
                RestartPolicy = new RestartPolicy { Name = RestartKind(spec.RestartPolicy) },
                PortBindings = spec.Ports.ToDictionary(
                    p => $"{p.ContainerPort}/tcp",
                    p => (IList<PortBinding>)[new PortBinding { HostIP = p.HostIp, HostPort = p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                NetworkMode = spec.Network ?? "bridge",
            };
            if (spec.MemoryLimitBytes is { } memory)
            {
                host.Memory = memory;
                host.MemorySwap = memory;
            }

            var parameters = new CreateContainerParameters
            {
                Name = spec.Name,
                Image = spec.Image,
                Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
                Labels = OwnedLabels(spec.Labels, spec.Component),
                HostConfig = host,
                ExposedPorts = spec.Ports.ToDictionary(p => $"{p.ContainerPort}/tcp", _ => default(EmptyStruct)),
                Healthcheck = spec.HealthCheck is { } h
                    ? new HealthcheckConfig { Test = h.Test.ToList(), Interval = h.Interval, Timeout = h.Timeout, Retries = h.Retries, StartPeriod = h.StartPeriod }
                    : null,
            };
            if (spec.Command is not null)
            {
                parameters.Cmd = spec.Command.ToList();
            }

            if (spec.Entrypoint is not null)
            {
                parameters.Entrypoint = spec.Entrypoint.ToList();
            }

            if (spec.User is not null)
            {
                parameters.User = spec.User;
            }

            if (spec.Network is not null)
            {
                parameters.NetworkingConfig = new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings> { [spec.Network] = new() { Aliases = spec.NetworkAliases.ToList() } },
                };
            }

            try
            {
                var created = await Docker.Containers.CreateContainerAsync(parameters, cancellationToken);
                LogCreated(logger, "container", spec.Name);
                return created.ID;
            }
            catch (DockerImageNotFoundException)
            {
                throw new ImageUnavailableException($"The image {spec.Image} is not on this machine.");
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                throw new ConflictException($"A container named {spec.Name} already exists.");
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound && ApiMessage(e).Contains("image", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageUnavailableException($"The image {spec.Image} is not on this machine.");
            }
        });

    public Task StartAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "start", async id =>
        {
            try
            {
                await Docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            }
            catch (DockerApiException e) when (ApiMessage(e).Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                || ApiMessage(e).Contains("port is already allocated", StringComparison.OrdinalIgnoreCase))
            {
                throw new ConflictException($"The container {nameOrId} cannot start: a port it publishes is already in use on this machine.");
            }
        });

    public Task StopAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "stop", id => Docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)gracePeriod.TotalSeconds }, cancellationToken));

    public Task RestartAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "restart", id => Docker.Containers.RestartContainerAsync(id, new ContainerRestartParameters { WaitBeforeKillSeconds = (uint)gracePeriod.TotalSeconds }, cancellationToken));

    public Task RemoveAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "remove", id => Docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, cancellationToken), missingIsFine: true);

    public Task PauseAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "pause", id => Docker.Containers.PauseContainerAsync(id, cancellationToken));

    public Task UnpauseAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "unpause", id => Docker.Containers.UnpauseContainerAsync(id, cancellationToken));

    public Task RenameAsync(string nameOrId, string newName, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "rename", id => Docker.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = newName }, cancellationToken));

    public Task UpdateMemoryLimitAsync(string nameOrId, long bytes, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "update", id => Docker.Containers.UpdateContainerAsync(id, new ContainerUpdateParameters { Memory = bytes, MemorySwap = bytes }, cancellationToken));

    private static ContainerInfo ToInfo(ContainerInspectResponse c)
    {
        var ports = new List<PortPublication>();
        foreach (var (key, bindings) in c.NetworkSettings?.Ports ?? new Dictionary<string, IList<PortBinding>>())
        {
            if (bindings is null || !int.TryParse(key.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture, out var containerPort))
            {
                continue;
            }

            ports.AddRange(bindings.Where(b => int.TryParse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture, out _))
                .Select(b => new PortPublication(containerPort, b.HostIP, int.Parse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture))));
        }

        if (ports.Count == 0)
        {
            // Not running: the configured bindings still say where it will listen.
            foreach (var (key, bindings) in c.HostConfig?.PortBindings ?? new Dictionary<string, IList<PortBinding>>())
            {
                if (bindings is not null && int.TryParse(key.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture, out var containerPort))
                {
                    ports.AddRange(bindings.Where(b => int.TryParse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture, out _))
                        .Select(b => new PortPublication(containerPort, b.HostIP, int.Parse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture))));
                }
            }
        }

        return new ContainerInfo(
            c.ID,
            (c.Name ?? "").TrimStart('/'),
            c.Config?.Image ?? c.Image,
            new Dictionary<string, string>(c.Config?.Labels ?? new Dictionary<string, string>()),
            c.State?.Status ?? "unknown",
            c.State?.Health?.Status,
            ParseTime(c.State?.StartedAt),
            ParseTime(c.State?.FinishedAt),
            c.RestartCount,
            c.State?.OOMKilled ?? false,
            c.State?.ExitCode ?? 0,
            c.HostConfig?.Memory ?? 0,
            ports);
    }

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1
            ? t.ToUniversalTime()
            : null;

    private static RestartPolicyKind RestartKind(string policy) => policy switch
    {
        "always" => RestartPolicyKind.Always,
        "on-failure" => RestartPolicyKind.OnFailure,
        "no" => RestartPolicyKind.No,
        _ => RestartPolicyKind.UnlessStopped,
    };
}
