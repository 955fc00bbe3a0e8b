using System.Globalization;
using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>The named memory profiles, and Custom for settings the owner chose one by one.</summary>
public enum MemoryProfile
{
    Custom = 0,
    Small = 1,
    Balanced = 2,
    Roomy = 3,
}

/// <summary>
/// Everything that decides how much memory Synapse takes, as one value: the container's limit,
/// the caches (factor, event cache, autotuning), presence, and the complexity of remote rooms that
/// users may join. <see cref="MemoryProfiles"/> makes them; <see cref="Validate"/> refuses what cannot work.
/// </summary>
public sealed record MemorySettings(
    MemoryProfile Profile,
    long MemoryLimitBytes,
    double CacheFactor,
    int EventCacheSize,
    bool CacheAutotuning,
    long? MaxCacheMemoryBytes,
    long? TargetCacheMemoryBytes,
    int? MinCacheTtlSeconds,
    bool Presence,
    double? RemoteRoomComplexityLimit)
{
    /// <summary>
    /// What the panel wrote before it had profiles: Synapse's defaults at factor 0.5, presence on,
    /// no autotuning, no room limit. Installs keep it until the owner picks a profile.
    /// </summary>
    public static MemorySettings Generated(long memoryLimitBytes, double cacheFactor) =>
        new(MemoryProfile.Custom, memoryLimitBytes, cacheFactor, 10_000, false, null, null, null, true, null);

    /// <summary>
    /// Refuses settings Synapse cannot run with, saying the number that would work. Autotuning needs
    /// jemalloc (Synapse measures its caches through jemalloc's statistics), so it is refused without.
    /// </summary>
    public void Validate(bool jemalloc, long? hostMemoryBytes = null)
    {
        if (MemoryLimitBytes < MemoryProfiles.SynapseFloorBytes)
        {
            throw new DomainException($"A limit of {new ByteSize(MemoryLimitBytes)} is below what Synapse starts in: give it at least {new ByteSize(MemoryProfiles.SynapseFloorBytes)}.");
        }

        if (hostMemoryBytes is { } host && MemoryLimitBytes > host)
        {
            throw new DomainException($"A limit of {new ByteSize(MemoryLimitBytes)} is more than this machine has ({new ByteSize(host)}).");
        }

        if (CacheFactor is < 0.05 or > 10 || double.IsNaN(CacheFactor))
        {
            throw new DomainException("The cache factor must be between 0.05 and 10 (Synapse's default is 0.5).");
        }

        if (EventCacheSize is < 1_000 or > 1_000_000)
        {
            throw new DomainException("The event cache must hold between 1,000 and 1,000,000 events (Synapse's default is 10,000).");
        }

        if (RemoteRoomComplexityLimit is { } complexity && (complexity is < 0.1 or > 1000 || double.IsNaN(complexity)))
        {
            throw new DomainException("The room complexity limit must be between 0.1 and 1000 (a complexity of 1 is 500 state events).");
        }

        if (!CacheAutotuning)
        {
            return;
        }

        if (!jemalloc)
        {
            throw new DomainException("Cache autotuning needs jemalloc, and this Synapse does not run with it: use an image that preloads jemalloc (the official one does, and so does the panel's Debian build), or turn autotuning off.");
        }

        if (MaxCacheMemoryBytes is not { } max || TargetCacheMemoryBytes is not { } target || MinCacheTtlSeconds is not { } ttl)
        {
            throw new DomainException("Cache autotuning needs a maximum, a target and a minimum time to keep entries.");
        }

        if (target > max || max >= MemoryLimitBytes)
        {
            throw new DomainException($"Autotuning's target ({new ByteSize(target)}) must be at most its maximum ({new ByteSize(max)}), and the maximum below the limit ({new ByteSize(MemoryLimitBytes)}).");
        }

        if (ttl is < 0 or > 86_400)
        {
            throw new DomainException("The minimum time to keep cache entries must be between 0 and 24 hours.");
        }
    }
}

/// <summary>What the panel suggests after Synapse ran out of memory: a profile (with its settings) and why, or only words when none would do.</summary>
public sealed record MemoryAdvice(MemoryProfile? Profile, MemorySettings? Settings, string Text);

/// <summary>One profile as the page offers it: its settings and what it trades, in plain words.</summary>
public sealed record MemoryProfileOption(MemoryProfile Profile, MemorySettings Settings, string Summary, string Trade, bool Recommended);

/// <summary>
/// The named profiles, computed from the container's memory limit and the host's RAM. The figures
/// follow Synapse's own guidance for small servers: presence off first, a smaller cache factor,
/// caches that shrink under pressure (autotuning), and a cap on the size of remote rooms, since
/// joining a large federated room costs memory in proportion to its state.
/// </summary>
public static class MemoryProfiles
{
    /// <summary>Below this Synapse does not get through its start (measured: about 150 MiB idle).</summary>
    public const long SynapseFloorBytes = HomeserverDeployment.MinimumMemoryLimitBytes;

    /// <summary>Synapse's room complexity: one unit per 500 state events.</summary>
    public const int StateEventsPerComplexity = 500;

    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;

    /// <summary>Every named profile for this limit and host, with the one the panel recommends marked.</summary>
    public static IReadOnlyList<MemoryProfileOption> Options(long memoryLimitBytes, long hostMemoryBytes, bool jemalloc)
    {
        var recommended = Recommend(memoryLimitBytes, hostMemoryBytes);
        return [.. new[] { MemoryProfile.Small, MemoryProfile.Balanced, MemoryProfile.Roomy }.Select(p =>
        {
            var settings = For(p, memoryLimitBytes, hostMemoryBytes, jemalloc);
            return new MemoryProfileOption(p, settings, Describe(settings), Trade(p), p == recommended);
        })];
    }

    /// <summary>Small under 1.5 GiB (or on a host under 2 GiB), Roomy from 4 GiB on a host with room, Balanced between.</summary>
    public static MemoryProfile Recommend(long memoryLimitBytes, long hostMemoryBytes) =>
        memoryLimitBytes < 3 * GiB / 2 || hostMemoryBytes < 2 * GiB ? MemoryProfile.Small
        : memoryLimitBytes >= 4 * GiB && hostMemoryBytes >= 8 * GiB ? MemoryProfile.Roomy
        : MemoryProfile.Balanced;

    /// <summary>
    /// A named profile's settings. The limit stays the container's, within what the host can give
    /// (three quarters of its RAM, and never below Synapse's floor); the caches are sized from it.
    /// Without jemalloc, autotuning is left off rather than refused.
    /// </summary>
    public static MemorySettings For(MemoryProfile profile, long memoryLimitBytes, long hostMemoryBytes, bool jemalloc)
    {
        var limit = Math.Max(SynapseFloorBytes, Math.Min(memoryLimitBytes, hostMemoryBytes / 4 * 3));
        var (factor, events, max, target, ttl, presence, complexity) = profile switch
        {
            // Measured (P7, bench/README.md): with rooms of 1,500 members, caches are what grows, and
            // a factor of 0.25 saved a fifth; 0.1 with 2,000 events saved about a third, for slower first reads.
            MemoryProfile.Small => (0.1, 2_000, 0.40, 0.30, 60, false, (double?)1.0),
            MemoryProfile.Balanced => (0.5, 10_000, 0.50, 0.40, 300, false, 10.0),
            MemoryProfile.Roomy => (1.0, 20_000, 0.60, 0.50, 600, true, null),
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Custom settings are chosen, not computed."),
        };
        return new MemorySettings(profile, limit, factor, events, jemalloc,
            jemalloc ? RoundToMiB(limit * max) : null, jemalloc ? RoundToMiB(limit * target) : null, jemalloc ? ttl : null,
            presence, complexity);
    }

    /// <summary>
    /// What would have fitted a Synapse killed for memory near <paramref name="peakBytes"/>: the next
    /// lighter profile at the same limit while there is one; once at Small, a higher limit (the peak
    /// and a third more, in steps of 256 MiB) if the machine has it; else plain advice.
    /// </summary>
    public static MemoryAdvice AfterOutOfMemory(MemorySettings current, long peakBytes, long hostMemoryBytes, bool jemalloc)
    {
        var lighter = current.Profile switch
        {
            MemoryProfile.Roomy => MemoryProfile.Balanced,
            MemoryProfile.Balanced => MemoryProfile.Small,
            MemoryProfile.Custom when current.CacheFactor > 0.1 || current.Presence || current.EventCacheSize > 2_000 => MemoryProfile.Small,
            _ => (MemoryProfile?)null,
        };
        if (lighter is { } profile)
        {
            var settings = For(profile, current.MemoryLimitBytes, hostMemoryBytes, jemalloc);
            return new MemoryAdvice(profile, settings,
                $"{profile} would have fitted better in {new ByteSize(current.MemoryLimitBytes)}: {Describe(settings)}");
        }

        const long step = 256 * MiB;
        var needed = (long)Math.Ceiling(Math.Max(peakBytes, current.MemoryLimitBytes) * 4 / 3.0 / step) * step;
        if (needed <= hostMemoryBytes / 4 * 3)
        {
            var settings = For(MemoryProfile.Small, needed, hostMemoryBytes, jemalloc);
            return new MemoryAdvice(MemoryProfile.Small, settings,
                $"Synapse needs more than the lightest profile leaves it in {new ByteSize(current.MemoryLimitBytes)}: Small with a limit of {new ByteSize(needed)} (this machine has {new ByteSize(hostMemoryBytes)}).");
        }

        return new MemoryAdvice(null, null,
            $"This machine ({new ByteSize(hostMemoryBytes)}) cannot give Synapse the memory the rooms its users are in need: leave or avoid large federated rooms, or move to a machine with more memory.");
    }

    /// <summary>The largest room (in state events) that a complexity limit lets users join.</summary>
    public static int LargestRoomStateEvents(double complexity) => (int)(complexity * StateEventsPerComplexity);

    /// <summary>What users see when a join is refused, in Synapse's complexity_error.</summary>
    public static string ComplexityError(double complexity) => string.Create(CultureInfo.InvariantCulture,
        $"This room is too large for this small server (more than {LargestRoomStateEvents(complexity):N0} state events). Ask the server's owner if you need it.");

    private static long RoundToMiB(double bytes) => (long)Math.Round(bytes / MiB) * MiB;

    /// <summary>The settings in one sentence, as the page and the audit log show them.</summary>
    public static string Describe(MemorySettings s)
    {
        var caches = s.CacheAutotuning
            ? FormattableString.Invariant($"caches kept near {new ByteSize(s.TargetCacheMemoryBytes ?? 0)} (at most {new ByteSize(s.MaxCacheMemoryBytes ?? 0)})")
            : "no cache autotuning";
        var rooms = s.RemoteRoomComplexityLimit is { } c
            ? FormattableString.Invariant($"rooms up to {LargestRoomStateEvents(c):N0} state events")
            : "any room may be joined";
        return FormattableString.Invariant(
            $"Limit {new ByteSize(s.MemoryLimitBytes)}, cache factor {s.CacheFactor:0.##}, {s.EventCacheSize:N0} events cached, {caches}, presence {(s.Presence ? "on" : "off")}, {rooms}.");
    }

    private static string Trade(MemoryProfile profile) => profile switch
    {
        MemoryProfile.Small => "Uses the least memory. Joining and opening rooms is slower the first time, and uses more CPU, because less is kept in memory; no online/typing status; rooms with more than 500 state events on other servers cannot be joined.",
        MemoryProfile.Balanced => "A middle way: a moderate cache, no online status (presence is the first thing to turn off on a small server), and large federated rooms (over 5,000 state events) refused.",
        MemoryProfile.Roomy => "Fastest for users: large caches and presence on, any room may be joined. Memory grows with the rooms people join; only for a machine with RAM to spare.",
        _ => "",
    };
}
