using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Panel.Domain.Common;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

// The Swarm API (ADR-018): services, their tasks and secrets, with the same ownership labels as containers.
internal sealed partial class DockerContainerRuntime : ISwarmRuntime
{
    private static Dictionary<string, IDictionary<string, bool>> Filter(string key, string value) =>
        new() { [key] = new Dictionary<string, bool> { [value] = true } };

    public Task<SwarmState> InspectAsync(CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var info = await Docker.System.GetSystemInfoAsync(cancellationToken);
            var local = info.Swarm?.LocalNodeState?.ToString().ToLowerInvariant() ?? "inactive";
            var manager = info.Swarm?.ControlAvailable == true;
            IReadOnlyList<SwarmNode> nodes = [];
            if (local == "active" && manager)
            {
                nodes = [.. (await Docker.Swarm.ListNodesAsync(cancellationToken)).Select(n => new SwarmNode(
                    n.ID,
                    n.Description?.Hostname ?? n.ID,
                    n.Spec?.Role ?? "worker",
                    n.Status?.State ?? "unknown",
                    n.Spec?.Availability ?? "active",
                    (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
                    n.Description?.Resources?.MemoryBytes ?? 0,
                    n.ManagerStatus?.Leader == true,
                    n.Status?.Addr))];
            }

            return new SwarmState(local, manager, string.IsNullOrEmpty(info.Swarm?.NodeID) ? null : info.Swarm.NodeID, nodes);
        });

    public Task EnsureOverlayNetworkAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await Docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = Filter("name", name) }, cancellationToken);
            if (existing.Any(n => n.Name == name))
            {
                return true;
            }

            // Attachable: the main process, PostgreSQL and the proxy stay plain containers and join it.
            await Docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = name, Driver = "overlay", Attachable = true, Labels = OwnedLabels(new Dictionary<string, string>(), null) }, cancellationToken);
            LogCreated(logger, "overlay network", name);
            return true;
        });

    public Task EnsureSecretAsync(string name, byte[] content, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await Docker.Secrets.ListAsync(cancellationToken);
            if (existing.Any(s => s.Spec?.Name == name))
            {
                return true;
            }

            await Docker.Secrets.CreateAsync(new SwarmSecretSpec { Name = name, Data = content, Labels = OwnedLabels(new Dictionary<string, string>(), null) }, cancellationToken);
            LogCreated(logger, "secret", name);
            return true;
        });

    public Task RemoveSecretsAsync(string prefix, IReadOnlyCollection<string> keep, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            foreach (var secret in await Docker.Secrets.ListAsync(cancellationToken))
            {
                var name = secret.Spec?.Name ?? "";
                if (!name.StartsWith(prefix, StringComparison.Ordinal) || keep.Contains(name) || !IsOwned(secret.Spec?.Labels))
                {
                    continue;
                }

                try
                {
                    await Docker.Secrets.DeleteAsync(secret.ID, cancellationToken);
                    LogRemoved(logger, "secret", name);
                }
                catch (DockerApiException)
                {
                    // Still referenced by a service that is being removed or updated: the next clean-up takes it.
                }
            }

            return true;
        });

    public Task<SwarmServiceInfo?> InspectServiceAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () => await FindServiceAsync(name, cancellationToken) is { } s ? ToInfo(s) : null);

    public Task<IReadOnlyList<SwarmServiceInfo>> ListOwnedServicesAsync(string? component, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<SwarmServiceInfo>>(async () =>
        {
            var services = await Docker.Swarm.ListServicesAsync(new ServiceListParameters { Filters = Filter("label", $"{OwnershipLabels.Instance}={Instance}") }, cancellationToken);
            return [.. services.Select(ToInfo).Where(s => component is null || s.Component == component).OrderBy(s => s.Name, StringComparer.Ordinal)];
        });

    public Task DeployServiceAsync(SwarmServiceSpec spec, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await FindServiceAsync(spec.Name, cancellationToken);
            // A service names its secrets by ID as well as by name.
            var secrets = (await Docker.Secrets.ListAsync(cancellationToken)).Where(s => s.Spec?.Name is not null).ToDictionary(s => s.Spec!.Name!, s => s.ID, StringComparer.Ordinal);
            var service = ToSpec(spec, name => secrets.TryGetValue(name, out var id) ? id : throw new DomainException($"The secret {name} is missing."));
            if (existing is null)
            {
                await Docker.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = service }, cancellationToken);
                LogCreated(logger, "service", spec.Name);
                return true;
            }

            EnsureOwned(existing.Spec?.Labels?.AsReadOnly(), "service " + spec.Name);
            await Docker.Swarm.UpdateServiceAsync(existing.ID, new ServiceUpdateParameters { Service = service, Version = (long)(existing.Version?.Index ?? 0) }, cancellationToken);
            LogMutated(logger, "updated service", spec.Name);
            return true;
        });

    public Task ScaleServiceAsync(string name, int replicas, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await FindServiceAsync(name, cancellationToken) ?? throw new NotFoundException($"There is no service {name}.");
            EnsureOwned(existing.Spec?.Labels?.AsReadOnly(), "service " + name);
            var spec = existing.Spec!;
            spec.Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)replicas } };
            await Docker.Swarm.UpdateServiceAsync(existing.ID, new ServiceUpdateParameters { Service = spec, Version = (long)(existing.Version?.Index ?? 0) }, cancellationToken);
            return true;
        });

    public Task RemoveServiceAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            if (await FindServiceAsync(name, cancellationToken) is not { } existing)
            {
                return true;
            }

            EnsureOwned(existing.Spec?.Labels?.AsReadOnly(), "service " + name);
            await Docker.Swarm.RemoveServiceAsync(existing.ID, cancellationToken);
            LogRemoved(logger, "service", name);
            return true;
        });

    public Task<IReadOnlyList<SwarmTaskInfo>> ListTasksAsync(string service, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<SwarmTaskInfo>>(async () =>
        {
            var tasks = await Docker.Tasks.ListAsync(new TasksListParameters { Filters = Filter("service", service) }, cancellationToken);
            return [.. tasks
                .Select(t => new SwarmTaskInfo(
                    t.ID,
                    StateName(t.Status?.State),
                    StateName(t.DesiredState),
                    t.Status?.Message,
                    string.IsNullOrEmpty(t.Status?.Err) ? null : t.Status.Err,
                    t.Status?.ContainerStatus?.ContainerID,
                    t.NodeID,
                    t.Spec?.ContainerSpec?.Image ?? "",
                    new DateTimeOffset(DateTime.SpecifyKind(t.UpdatedAt ?? DateTime.MinValue, DateTimeKind.Utc))))
                .OrderByDescending(t => t.Updated)];
        });

    public async Task<IReadOnlyList<string>> GetServiceLogsAsync(string service, int tail, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        await foreach (var line in ServiceLogLinesAsync(service, new ServiceLogsParameters { Tail = tail.ToString(CultureInfo.InvariantCulture) }, cancellationToken))
        {
            lines.Add(line);
        }

        return lines;
    }

    public Task<IReadOnlyList<LogLine>> GetServiceLogsSinceAsync(string service, DateTimeOffset since, CancellationToken cancellationToken) =>
        StampedLinesAsync(ServiceLogLinesAsync(service, new ServiceLogsParameters { Timestamps = true, Since = EngineTime(since) }, cancellationToken));

    /// <summary>The lines of a service's log (both streams, wherever its tasks run); a missing service is <see cref="NotFoundException"/>.</summary>
    private IAsyncEnumerable<string> ServiceLogLinesAsync(string service, ServiceLogsParameters parameters, CancellationToken cancellationToken)
    {
        parameters.ShowStdout = true;
        parameters.ShowStderr = true;
        return ReadLinesAsync(async () =>
        {
            var found = await FindServiceAsync(service, cancellationToken) ?? throw new NotFoundException($"There is no service {service}.");
            return await Docker.Swarm.GetServiceLogsAsync(found.ID, false, parameters, cancellationToken);
        }, cancellationToken);
    }

    private async Task<SwarmService?> FindServiceAsync(string name, CancellationToken cancellationToken)
    {
        var found = await Docker.Swarm.ListServicesAsync(new ServiceListParameters { Filters = Filter("name", name) }, cancellationToken);
        // The name filter matches prefixes too.
        return found.FirstOrDefault(s => s.Spec?.Name == name);
    }

    private bool IsOwned(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(OwnershipLabels.Managed, out var m) && m == "true"
        && labels.TryGetValue(OwnershipLabels.Instance, out var i) && i == Instance;

    // Swarm's task states are an enum here; the API's words are its lower-case names.
    private static string StateName<T>(T? state) where T : struct, Enum => state?.ToString().ToLowerInvariant() ?? "unknown";

    private static string StateName<T>(T state) where T : struct, Enum => state.ToString().ToLowerInvariant();

    private static SwarmServiceInfo ToInfo(SwarmService s) => new(
        s.ID,
        s.Spec?.Name ?? s.ID,
        s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "",
        s.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
        (int)(s.Spec?.Mode?.Replicated?.Replicas ?? 0),
        (s.Spec?.Labels ?? new Dictionary<string, string>()).AsReadOnly(),
        string.IsNullOrEmpty(s.UpdateStatus?.State) ? null : s.UpdateStatus.State,
        string.IsNullOrEmpty(s.UpdateStatus?.Message) ? null : s.UpdateStatus.Message,
        s.UpdateStatus?.StartedAt is { } startedAt ? new DateTimeOffset(DateTime.SpecifyKind(startedAt, DateTimeKind.Utc)) : null,
        [.. s.Spec?.TaskTemplate?.Placement?.Constraints ?? []]);

    private ServiceSpec ToSpec(SwarmServiceSpec spec, Func<string, string> secretId)
    {
        var labels = OwnedLabels(spec.Labels, spec.Component);
        // A rolling update one task at a time, watched for 20 s; a task that fails in that time rolls
        // the whole service back to what ran before (the failure_action: rollback).
        var update = new SwarmUpdateConfig { Parallelism = 1, FailureAction = "rollback", Monitor = TimeSpan.FromSeconds(20), MaxFailureRatio = 0, Order = "stop-first" };
        var rollback = new SwarmUpdateConfig { Parallelism = 1, FailureAction = "pause", Monitor = TimeSpan.FromSeconds(20), Order = "stop-first" };
        var constraints = new List<string>();
        if (spec.Volumes.Count > 0 && spec.VolumeNode is { } node)
        {
            constraints.Add($"node.id=={node}");
        }

        return new ServiceSpec
        {
            Name = spec.Name,
            Labels = labels,
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)spec.Replicas } },
            UpdateConfig = update,
            RollbackConfig = rollback,
            // DNS round robin: the service's name resolves to its tasks' addresses, which plain
            // containers on the overlay reach (a virtual IP needs IPVS, which not every host has).
            EndpointSpec = new EndpointSpec { Mode = "dnsrr" },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new global::Docker.DotNet.Models.ContainerSpec
                {
                    Image = spec.Image,
                    Labels = labels,
                    Command = spec.Entrypoint?.ToList(),
                    Args = spec.Command?.ToList(),
                    Mounts = [.. spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Key, Target = v.Value })],
                    Secrets = [.. spec.Files.Select(f => new SecretReference
                    {
                        SecretName = f.Secret,
                        SecretID = secretId(f.Secret),
                        File = new SecretReferenceFileTarget { Name = f.Target, UID = "0", GID = "0", Mode = 0b100_100_100 },
                    })],
                    Healthcheck = spec.HealthCheck is { } h ? new HealthcheckConfig
                    {
                        Test = [.. h.Test],
                        Interval = h.Interval,
                        Timeout = h.Timeout,
                        Retries = h.Retries,
                        StartPeriod = h.StartPeriod,
                    } : null,
                },
                Resources = spec.MemoryLimitBytes is { } memory ? new ResourceRequirements { Limits = new SwarmLimit { MemoryBytes = memory } } : null,
                RestartPolicy = new SwarmRestartPolicy { Condition = "any", Delay = TimeSpan.FromSeconds(5) },
                Placement = new Placement { Constraints = constraints },
                Networks = [new NetworkAttachmentConfig { Target = spec.Network }],
            },
        };
    }
}
