using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>The deployment's memory: the container's limit and the settings of a memory profile.</summary>
public sealed partial class HomeserverDeployment
{
    /// <summary>The memory profile last applied (Custom until the owner picks one; see <see cref="Memory"/>).</summary>
    public MemoryProfile MemoryProfile { get; private set; }

    public int EventCacheSize { get; private set; } = 10_000;

    public bool CacheAutotuning { get; private set; }

    public long? MaxCacheMemoryBytes { get; private set; }

    public long? TargetCacheMemoryBytes { get; private set; }

    public int? MinCacheTtlSeconds { get; private set; }

    public bool PresenceEnabled { get; private set; } = true;

    /// <summary>Remote rooms above this complexity (state events / 500) cannot be joined; null for no limit.</summary>
    public double? RemoteRoomComplexityLimit { get; private set; }

    /// <summary>Everything that decides Synapse's memory, as one value.</summary>
    public MemorySettings Memory => new(MemoryProfile, MemoryLimitBytes, CacheFactor, EventCacheSize, CacheAutotuning,
        MaxCacheMemoryBytes, TargetCacheMemoryBytes, MinCacheTtlSeconds, PresenceEnabled, RemoteRoomComplexityLimit);

    public void ChangeMemoryLimit(long bytes)
    {
        if (bytes < MinimumMemoryLimitBytes)
        {
            throw new DomainException($"Synapse needs a memory limit of at least {new ByteSize(MinimumMemoryLimitBytes)}.");
        }

        MemoryLimitBytes = bytes;
    }

    /// <summary>Takes memory settings that <see cref="MemorySettings.Validate"/> has accepted.</summary>
    public void ApplyMemory(MemorySettings settings, bool jemalloc)
    {
        settings.Validate(jemalloc);
        ChangeMemoryLimit(settings.MemoryLimitBytes);
        MemoryProfile = settings.Profile;
        CacheFactor = settings.CacheFactor;
        EventCacheSize = settings.EventCacheSize;
        CacheAutotuning = settings.CacheAutotuning;
        MaxCacheMemoryBytes = settings.MaxCacheMemoryBytes;
        TargetCacheMemoryBytes = settings.TargetCacheMemoryBytes;
        MinCacheTtlSeconds = settings.MinCacheTtlSeconds;
        PresenceEnabled = settings.Presence;
        RemoteRoomComplexityLimit = settings.RemoteRoomComplexityLimit;
    }
}
