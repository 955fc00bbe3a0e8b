using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Homeserver;

/// <summary>The Homeserver page's memory section: the current settings, the profiles for this limit and host, and whether jemalloc runs.</summary>
public sealed record MemoryProfileView(
    MemorySettings Current,
    string CurrentSummary,
    bool? Jemalloc,
    long? HostMemoryBytes,
    long FloorBytes,
    IReadOnlyList<MemoryProfileOption> Options,
    MemoryPressure? Pressure = null,
    MemoryIncident? Incident = null);

/// <summary>
/// A profile to apply: a named one (sized from <see cref="MemoryLimitBytes"/>, or the current limit),
/// or Custom with every setting given in <see cref="Custom"/>.
/// </summary>
public sealed record MemoryProfileRequest(MemoryProfile Profile, long? MemoryLimitBytes = null, MemorySettings? Custom = null);

/// <summary>
/// Memory profiles: computes them for this server, checks a choice against what Synapse and the
/// host can do, and applies it as a config change (reload or restart, health wait, rollback, audit).
/// </summary>
public sealed class HomeserverMemory(
    HomeserverAccess access,
    HomeserverLifecycle lifecycle,
    MemoryChanges changes,
    MemoryIncidents incidents,
    IContainerRuntime docker,
    HomeserverNames names,
    HostFiguresReader host,
    TimeProvider clock)
{
    private volatile JemallocSeen? _jemalloc;

    public async Task<MemoryProfileView> GetAsync(CancellationToken cancellationToken)
    {
        var d = await ManagedAsync(cancellationToken);
        var jemalloc = await JemallocAsync(cancellationToken);
        var hostMemory = host.Read().MemoryTotalBytes;
        var incident = await incidents.LatestAsync(d.Memory, hostMemory ?? d.MemoryLimitBytes, jemalloc == true, cancellationToken);
        return new MemoryProfileView(d.Memory, MemoryProfiles.Describe(d.Memory), jemalloc, hostMemory, MemoryProfiles.SynapseFloorBytes,
            MemoryProfiles.Options(d.MemoryLimitBytes, hostMemory ?? d.MemoryLimitBytes, jemalloc == true), HostFiguresReader.ReadMemoryPressure(), incident);
    }

    /// <summary>Checks the choice, then starts applying it; answers once the operation runs.</summary>
    public async Task StartApplyAsync(MemoryProfileRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await ManagedAsync(cancellationToken);
        var jemalloc = await JemallocAsync(cancellationToken) == true;
        var hostMemory = host.Read().MemoryTotalBytes;
        var settings = request.Profile == MemoryProfile.Custom
            ? (request.Custom ?? throw new DomainException("A custom profile needs its settings (custom).")) with { Profile = MemoryProfile.Custom }
            : MemoryProfiles.For(request.Profile, request.MemoryLimitBytes ?? d.MemoryLimitBytes, hostMemory ?? long.MaxValue, jemalloc);
        settings.Validate(jemalloc, hostMemory);

        var previous = d.Memory;
        var title = $"{previous.Profile} → {settings.Profile}: {MemoryProfiles.Describe(settings)}";
        var requestedAt = clock.GetUtcNow();
        // Once Synapse is healthy with the change, its comparison windows start (the proof of what it did).
        await lifecycle.StartConfigChangeAsync(title, x => x.ApplyMemory(settings, jemalloc), x => x.ApplyMemory(previous, jemalloc: true), actor,
            "homeserver.memory-profile", reloadOnly: OnlyReloadable(previous, settings), cancellationToken,
            afterHealthy: ct => changes.RecordAsync(previous, settings, requestedAt, ct));
    }

    /// <summary>
    /// Whether the running Synapse has jemalloc mapped (read from its process's memory map), or null
    /// when that cannot be seen because Synapse is not running.
    /// </summary>
    public async Task<bool?> JemallocAsync(CancellationToken cancellationToken)
    {
        var container = await docker.InspectAsync(names.Synapse, cancellationToken);
        if (container is not { IsRunning: true })
        {
            return null;
        }

        // Once per start of the container: the page asks every few seconds, and each look starts a Python.
        if (_jemalloc is { } seen && seen.Id == container.Id && seen.Started == container.StartedAt)
        {
            return seen.Loaded;
        }

        var maps = await docker.ExecAsync(names.Synapse, ReadMemoryMap, null, cancellationToken);
        bool? loaded = maps.ExitCode == 0 ? maps.StandardOutput.Contains("libjemalloc", StringComparison.Ordinal) : null;
        _jemalloc = new JemallocSeen(container.Id, container.StartedAt, loaded);
        return loaded;
    }

    /// <summary>
    /// Reads PID 1's memory map as PID 1's own user: the engine's default capabilities let root in the
    /// container read only its own processes' maps. Every Synapse image has Python.
    /// </summary>
    public static readonly IReadOnlyList<string> ReadMemoryMap =
        ["python3", "-c", "import os; s = os.stat('/proc/1'); os.setgid(s.st_gid); os.setuid(s.st_uid); print(open('/proc/1/maps').read())"];

    /// <summary>Synapse re-reads its cache factor on SIGHUP; everything else needs a restart.</summary>
    private static bool OnlyReloadable(MemorySettings before, MemorySettings after) =>
        before with { Profile = after.Profile, CacheFactor = after.CacheFactor } == after;

    private async Task<HomeserverDeployment> ManagedAsync(CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            throw new ConflictException("The homeserver is not installed.");
        }

        d.EnsureManaged();
        return d;
    }

    private sealed record JemallocSeen(string Id, DateTimeOffset? Started, bool? Loaded);
}
