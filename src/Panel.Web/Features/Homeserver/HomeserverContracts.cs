namespace Panel.Web.Features.Homeserver;

// The requests and views of the homeserver's API and UI.

public sealed record InstallRequest
{
    public string? ServerName { get; init; }

    public string? PublicBaseUrl { get; init; }

    /// <summary>"postgres" (default) or "sqlite".</summary>
    public string? Database { get; init; }

    public string? Image { get; init; }

    public string? DatabaseImage { get; init; }

    public long? MemoryLimitMb { get; init; }

    public double? CacheFactor { get; init; }
}

public sealed record AttachRequest
{
    /// <summary>The homeserver's client API as the panel can reach it, e.g. http://127.0.0.1:8008.</summary>
    public string? BaseUrl { get; init; }

    public string? AccessToken { get; init; }

    public string? SharedSecret { get; init; }

    public string? PublicBaseUrl { get; init; }

    /// <summary>An existing container to watch (never to change).</summary>
    public string? ContainerName { get; init; }
}

public sealed record HomeserverSettingsView(
    string Mode,
    string ServerName,
    string PublicBaseUrl,
    string Database,
    string Image,
    string DatabaseImage,
    string? PreviousImage,
    long MemoryLimitBytes,
    double CacheFactor,
    int? HostPort,
    string Desired,
    string? AdminUserId,
    string? AttachedContainerName,
    bool RegistrationTokensEnabled);

public sealed record HomeserverStatusView(
    string State,
    string Health,
    long? UptimeSeconds,
    long RestartCount,
    bool OomKilled,
    string? Image,
    string? Version,
    string? ContainerId,
    bool DockerReachable,
    string? Message,
    string? AdminAccess = null);

public sealed record HomeserverView(
    bool Installed,
    string? Phase,
    string? LastError,
    HomeserverSettingsView? Settings,
    HomeserverStatusView Status,
    string? Health,
    OperationView? Operation,
    string? ClientUrl);

/// <summary>The last lines of Synapse's log, oldest first.</summary>
public sealed record HomeserverLogs(IReadOnlyList<string> Lines);
