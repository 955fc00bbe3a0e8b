namespace Panel.Domain.Containers;

/// <summary>
/// The engine's Swarm API as the panel needs it (Swarm mode, ADR-018). As with containers, every
/// service, secret and network made here carries <see cref="OwnershipLabels"/>, and only owned
/// services are changed or removed. "Not found" is a null result.
/// </summary>
public interface ISwarmRuntime
{
    /// <summary>Whether the engine is in a swarm, is a manager of it, and its nodes (only a manager can list them).</summary>
    Task<SwarmState> InspectAsync(CancellationToken cancellationToken);

    /// <summary>An attachable overlay network: services and the panel's plain containers meet on it.</summary>
    Task EnsureOverlayNetworkAsync(string name, CancellationToken cancellationToken);

    /// <summary>A secret with this content; its name should change with the content (secrets are immutable).</summary>
    Task EnsureSecretAsync(string name, byte[] content, CancellationToken cancellationToken);

    /// <summary>Removes owned secrets whose name starts with <paramref name="prefix"/> and is not in <paramref name="keep"/> (in use ones are left).</summary>
    Task RemoveSecretsAsync(string prefix, IReadOnlyCollection<string> keep, CancellationToken cancellationToken);

    Task<SwarmServiceInfo?> InspectServiceAsync(string name, CancellationToken cancellationToken);

    /// <summary>This panel instance's services, optionally only one component.</summary>
    Task<IReadOnlyList<SwarmServiceInfo>> ListOwnedServicesAsync(string? component, CancellationToken cancellationToken);

    /// <summary>Creates the service, or updates it to <paramref name="spec"/> as a rolling update (rolled back by Swarm when it fails).</summary>
    Task DeployServiceAsync(SwarmServiceSpec spec, CancellationToken cancellationToken);

    /// <summary>Sets the replicas of an owned service (0 stops it, keeping its definition).</summary>
    Task ScaleServiceAsync(string name, int replicas, CancellationToken cancellationToken);

    Task RemoveServiceAsync(string name, CancellationToken cancellationToken);

    /// <summary>A service's tasks, newest first.</summary>
    Task<IReadOnlyList<SwarmTaskInfo>> ListTasksAsync(string service, CancellationToken cancellationToken);

    /// <summary>The last lines of a service's log (every task's).</summary>
    Task<IReadOnlyList<string>> GetServiceLogsAsync(string service, int tail, CancellationToken cancellationToken);

    /// <summary>The lines a service's tasks logged at or after <paramref name="since"/>, with the engine's time of each.</summary>
    Task<IReadOnlyList<LogLine>> GetServiceLogsSinceAsync(string service, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>The engine's place in a swarm. <see cref="LocalState"/> is Docker's: inactive, pending, active, error, locked.</summary>
public sealed record SwarmState(string LocalState, bool IsManager, string? NodeId, IReadOnlyList<SwarmNode> Nodes)
{
    public bool IsActiveManager => LocalState == "active" && IsManager;
}

/// <summary>A node and what it offers: the CPUs and memory the engine reports for it.</summary>
public sealed record SwarmNode(string Id, string Hostname, string Role, string State, string Availability, double Cpus, long MemoryBytes, bool IsLeader, string? Address);

/// <summary>A file a task finds at <see cref="Target"/>, from the secret <see cref="Secret"/>.</summary>
public sealed record SwarmFile(string Target, string Secret);

public sealed record SwarmServiceSpec
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    public required string Component { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public required string Network { get; init; }

    /// <summary>Named volume → mount path; a service with volumes is placed on <see cref="VolumeNode"/>.</summary>
    public IReadOnlyDictionary<string, string> Volumes { get; init; } = new Dictionary<string, string>();

    /// <summary>The node that holds the volumes (a local volume is on one node only).</summary>
    public string? VolumeNode { get; init; }

    public IReadOnlyList<SwarmFile> Files { get; init; } = [];

    public long? MemoryLimitBytes { get; init; }

    public HealthCheckSpec? HealthCheck { get; init; }

    public int Replicas { get; init; } = 1;
}

/// <summary>
/// A service as Swarm reports it. <see cref="UpdateState"/> is Swarm's (updating, paused, completed,
/// rollback_started, rollback_paused, rollback_completed), null when it was never updated.
/// </summary>
public sealed record SwarmServiceInfo(
    string Id,
    string Name,
    string Image,
    string? PreviousImage,
    int Replicas,
    IReadOnlyDictionary<string, string> Labels,
    string? UpdateState,
    string? UpdateMessage,
    DateTimeOffset? UpdateStartedAt,
    IReadOnlyList<string> Constraints)
{
    public string? Component => Labels.TryGetValue(OwnershipLabels.Component, out var c) ? c : null;
}

/// <summary>One task of a service: a container on some node. <see cref="State"/> is Swarm's (running, failed, shutdown…).</summary>
public sealed record SwarmTaskInfo(string Id, string State, string DesiredState, string? Message, string? Error, string? ContainerId, string? NodeId, string Image, DateTimeOffset Updated);
