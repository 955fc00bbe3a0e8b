using Panel.Domain.Bridges;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Bridges;

public sealed record BridgeInstallRequest
{
    public string? CatalogId { get; init; }

    /// <summary>The values of the catalog entry's settings, by key.</summary>
    public Dictionary<string, string?>? Settings { get; init; }

    /// <summary>The owner's Matrix ID, who gets admin rights in the bridge (optional).</summary>
    public string? Owner { get; init; }
}

public sealed record BridgeUpgradeRequest(string? Image);

public sealed record BridgeSettingView(string Key, string Label, string Type, bool Required, string? Help, string? Default, IReadOnlyList<string> Choices, string? Pattern);

public sealed record BridgeCatalogItemView(
    string Id,
    string Name,
    string Network,
    string Description,
    string Image,
    int Port,
    string BotLocalpart,
    string Database,
    IReadOnlyList<BridgeSettingView> Settings,
    string LoginInstructions,
    string? DocumentationUrl,
    bool IsTestBridge,
    Guid? InstalledId);

public sealed record BridgeContainerView(string State, DateTimeOffset? StartedAt, long RestartCount, long ExitCode, bool OomKilled, string Image);

public sealed record BridgeResourcesView(double CpuPercent, long MemoryBytes, double? CpuShare, double? MemoryShare, DateTimeOffset At);

/// <summary>
/// A bridge as the UI and the API show it. Status is installing, running, starting, crashed, stopped,
/// missing, failed, uninstalling or unknown; health is healthy (the homeserver reaches it),
/// unreachable, not-registered, homeserver-down or unknown (only checked for one bridge, when running).
/// </summary>
public sealed record BridgeView(
    Guid Id,
    string CatalogId,
    string Name,
    string Network,
    string Image,
    string? CatalogImage,
    string Status,
    string Health,
    string? HealthDetail,
    string Phase,
    string? LastError,
    string? BotUserId,
    string? LoginInstructions,
    string Database,
    string? Owner,
    DateTimeOffset CreatedAt,
    DateTimeOffset? InstalledAt,
    BridgeContainerView? Container,
    BridgeResourcesView? Resources,
    IReadOnlyList<string> LastLogLines,
    OperationView? Operation);

/// <summary>The secrets of a bridge, stored encrypted as one JSON document.</summary>
internal sealed record BridgeSecrets(string AsToken, string HsToken, string? DatabasePassword, Dictionary<string, string> Randoms, Dictionary<string, string> SecretSettings);

/// <summary>The non-secret choices of a bridge, stored as JSON.</summary>
internal sealed record BridgeChoices(Dictionary<string, string> Settings, string? Owner);

internal static class BridgeStatus
{
    public static string Of(Bridge bridge, Panel.Domain.Containers.ContainerInfo? container) => bridge.Phase switch
    {
        BridgePhase.Installing => "installing",
        BridgePhase.Failed => "failed",
        BridgePhase.Uninstalling => "uninstalling",
        _ => container switch
        {
            null => "missing",
            { State: "running", Health: "starting" } => "starting",
            { State: "running" } => "running",
            { State: "restarting" } => "crashed",
            { State: "exited" or "dead", ExitCode: not 0 } or { OomKilled: true } => "crashed",
            { State: "created" } => "starting",
            { State: "paused" } => "paused",
            _ => "stopped",
        },
    };
}
