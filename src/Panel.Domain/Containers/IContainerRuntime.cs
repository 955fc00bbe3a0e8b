namespace Panel.Domain.Containers;

/// <summary>
/// The container engine as the panel needs it. Implementations label every object they create with
/// <see cref="OwnershipLabels"/> and refuse to change a container that the panel does not own; reading
/// (inspect, logs, stats) works on any container, so that an attached homeserver can be watched.
/// "Not found" is a null result, not an exception. When the engine cannot be reached, methods throw
/// <see cref="ContainerRuntimeUnavailableException"/>.
/// </summary>
public interface IContainerRuntime
{
    Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken);

    /// <summary>What a local image runs when started (its entry point, command and user); null when it is not on this machine.</summary>
    Task<ImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken);

    /// <summary>Local images whose name contains <paramref name="contains"/>, as repository:tag.</summary>
    Task<IReadOnlyList<string>> ListImagesAsync(string contains, CancellationToken cancellationToken);

    /// <summary>Pulls an image, reporting per-layer progress. Throws <see cref="ImageUnavailableException"/> when it cannot.</summary>
    Task PullImageAsync(string image, IProgress<PullProgress> progress, CancellationToken cancellationToken);

    Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    Task RemoveNetworkAsync(string name, CancellationToken cancellationToken);

    /// <summary>Connects a container (possibly not the panel's own, such as the panel itself) to an owned network, with host-name aliases on it.</summary>
    Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken, IReadOnlyList<string>? aliases = null);

    Task EnsureVolumeAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    Task<bool> VolumeExistsAsync(string name, CancellationToken cancellationToken);

    Task RemoveVolumeAsync(string name, CancellationToken cancellationToken);

    Task<ContainerInfo?> InspectAsync(string nameOrId, CancellationToken cancellationToken);

    /// <summary>Containers of this panel instance (all states), optionally only one component.</summary>
    Task<IReadOnlyList<ContainerInfo>> ListOwnedAsync(string? component, CancellationToken cancellationToken);

    /// <summary>Creates (does not start) a container; ownership labels are added.</summary>
    Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken);

    Task StartAsync(string nameOrId, CancellationToken cancellationToken);

    Task StopAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken);

    Task RestartAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken);

    Task RemoveAsync(string nameOrId, CancellationToken cancellationToken);

    /// <summary>Freezes every process of a running container (the cgroup freezer), and thaws it.</summary>
    Task PauseAsync(string nameOrId, CancellationToken cancellationToken);

    Task UnpauseAsync(string nameOrId, CancellationToken cancellationToken);

    Task RenameAsync(string nameOrId, string newName, CancellationToken cancellationToken);

    /// <summary>Writes files into a directory of a container (created or running), with the given owner.</summary>
    Task WriteFilesAsync(string nameOrId, string directory, IReadOnlyList<ContainerFile> files, CancellationToken cancellationToken);

    /// <summary>
    /// Streams a path of a container (created, running or stopped) as a tar archive, as the engine
    /// gives it: entries are named from the path's last segment ("data/…" for /data). Throws
    /// <see cref="Common.NotFoundException"/> when the path does not exist.
    /// </summary>
    Task ReadArchiveAsync(string nameOrId, string path, Func<Stream, Task> consume, CancellationToken cancellationToken);

    /// <summary>Extracts a tar archive into a directory of a container (created, running or stopped), keeping owners.</summary>
    Task WriteArchiveAsync(string nameOrId, string directory, Stream tar, CancellationToken cancellationToken);

    /// <summary>Reads one file from a container; null when it does not exist.</summary>
    Task<byte[]?> ReadFileAsync(string nameOrId, string path, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> GetLogsAsync(string nameOrId, int tail, CancellationToken cancellationToken);

    IAsyncEnumerable<string> FollowLogsAsync(string nameOrId, int tail, CancellationToken cancellationToken);

    /// <summary>The lines a container logged at or after <paramref name="since"/>, with the engine's time of each.</summary>
    Task<IReadOnlyList<LogLine>> GetLogsSinceAsync(string nameOrId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Runs a command in a running container; stdout goes to <paramref name="standardOutput"/> when given (for large output such as a dump).</summary>
    Task<ExecResult> ExecAsync(string nameOrId, IReadOnlyList<string> command, Stream? standardOutput, CancellationToken cancellationToken, Stream? standardInput = null);

    /// <summary>Events of this instance's containers (and of <paramref name="alsoWatch"/>), until cancelled or the engine goes away.</summary>
    IAsyncEnumerable<ContainerEvent> WatchEventsAsync(IReadOnlyCollection<string> alsoWatch, CancellationToken cancellationToken);

    /// <summary>The engine's stats stream for one container: one sample about every second.</summary>
    IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string nameOrId, CancellationToken cancellationToken);

    Task UpdateMemoryLimitAsync(string nameOrId, long bytes, CancellationToken cancellationToken);
}

/// <summary>The labels that mark what the panel owns.</summary>
public static class OwnershipLabels
{
    public const string Managed = "homeserver-panel.managed";
    public const string Component = "homeserver-panel.component";
    public const string Instance = "homeserver-panel.instance";
}

public static class ContainerComponents
{
    public const string Homeserver = "homeserver";
    public const string Database = "database";
    public const string Bridge = "bridge";
    public const string Proxy = "proxy";

    /// <summary>A Synapse worker process (worker mode); the main process stays <see cref="Homeserver"/>.</summary>
    public const string Worker = "worker";

    /// <summary>The Redis that Synapse's processes replicate through (worker mode).</summary>
    public const string Redis = "redis";
}

public sealed record ContainerSpec
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    public required string Component { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Replaces the image's entry point (an empty list clears it).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    /// <summary>The user the main process runs as ("991:991"); the image's own when null.</summary>
    public string? User { get; init; }

    public string? Network { get; init; }

    public IReadOnlyList<string> NetworkAliases { get; init; } = [];

    /// <summary>Named volume → mount path.</summary>
    public IReadOnlyDictionary<string, string> Volumes { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<PortPublication> Ports { get; init; } = [];

    public long? MemoryLimitBytes { get; init; }

    /// <summary>no, on-failure, always or unless-stopped.</summary>
    public string RestartPolicy { get; init; } = "unless-stopped";

    public HealthCheckSpec? HealthCheck { get; init; }
}

public sealed record PortPublication(int ContainerPort, string HostIp, int HostPort);

public sealed record HealthCheckSpec(IReadOnlyList<string> Test, TimeSpan Interval, TimeSpan Timeout, int Retries, TimeSpan StartPeriod);

/// <summary>A file to write into a container; a name that ends with "/" is a directory ("./" the target directory itself).</summary>
public sealed record ContainerFile(string Name, byte[] Content, int OwnerId = 0, int GroupId = 0, int Mode = 0b110_100_100)
{
    public bool IsDirectory => Name.EndsWith('/');
}

public sealed record ContainerInfo(
    string Id,
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    string State,
    string? Health,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long RestartCount,
    bool OomKilled,
    long ExitCode,
    long MemoryLimitBytes,
    IReadOnlyList<PortPublication> Ports)
{
    public bool IsRunning => State is "running";

    public string? Component => Labels.TryGetValue(OwnershipLabels.Component, out var c) ? c : null;

    /// <summary>
    /// A task's container of a Swarm service (it carries the service's labels, so monitoring sees it):
    /// Swarm owns its life, so the panel changes the service, never this container.
    /// </summary>
    public bool IsSwarmTask => Labels.ContainsKey("com.docker.swarm.task.id");
}

/// <summary>What an image runs when a container is made from it without a command of its own.</summary>
public sealed record ImageInfo(string Id, IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command, string? User)
{
    /// <summary>A plain root filesystem (<c>docker import</c>) runs nothing: the engine refuses to create a container of it without a command.</summary>
    public bool RunsNothing => Entrypoint.Count == 0 && Command.Count == 0;
}

public sealed record PullProgress(string Layer, string Status, long? Current, long? Total);

public sealed record ExecResult(long ExitCode, string StandardOutput, string StandardError);

/// <summary>One line of a log, stamped by the engine when it was written.</summary>
public sealed record LogLine(DateTimeOffset Time, string Text);

public sealed record ContainerEvent(DateTimeOffset Time, string ContainerId, string ContainerName, string Action, string? Component, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One reading of the engine's stats stream, already reduced to what the panel shows.</summary>
public sealed record ContainerStatsSample(
    DateTimeOffset Time,
    double CpuPercent,
    long MemoryBytes,
    long MemoryLimitBytes,
    long NetworkRxBytes,
    long NetworkTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes);

/// <summary>The container engine cannot be reached at all.</summary>
public sealed class ContainerRuntimeUnavailableException : Exception
{
    public ContainerRuntimeUnavailableException(string message, Exception inner) : base(message, inner) { }

    public ContainerRuntimeUnavailableException(string message) : base(message) { }

    public ContainerRuntimeUnavailableException() { }
}

/// <summary>The engine answered, and refused what was asked; the message is the engine's own sentence.</summary>
public sealed class ContainerEngineException : Common.DomainException
{
    public ContainerEngineException(string engineMessage, Exception inner) : base($"The Docker engine refused: {engineMessage}", inner) => EngineMessage = engineMessage;

    public ContainerEngineException(string engineMessage) : base($"The Docker engine refused: {engineMessage}") => EngineMessage = engineMessage;

    public ContainerEngineException() : this("no reason given") { }

    public string EngineMessage { get; }
}

/// <summary>An image is not on this machine and could not be pulled.</summary>
public sealed class ImageUnavailableException : Common.DomainException
{
    public ImageUnavailableException(string message) : base(message) { }

    public ImageUnavailableException(string message, Exception inner) : base(message, inner) { }

    public ImageUnavailableException() { }
}
