using Panel.Domain.Common;

namespace Panel.Domain.Monitoring;

/// <summary>One line of the events timeline: a container event (start, die, oom, health) or an alert.</summary>
public sealed class TimelineEvent
{
    public const int MaxDetailLength = 1000;

    private TimelineEvent() { }

    public long Id { get; private set; }

    public DateTimeOffset Time { get; private set; }

    /// <summary>"container" for Docker events, "alert" for alerts the panel raised.</summary>
    public string Kind { get; private set; } = "";

    public string Source { get; private set; } = "";

    public string Action { get; private set; } = "";

    public string? Detail { get; private set; }

    public static TimelineEvent Record(DateTimeOffset time, string kind, string source, string action, string? detail) => new()
    {
        Time = time.ToUniversalTime(),
        Kind = Guard.NotBlank(kind, "Kind", 20),
        Source = source.Length > 200 ? source[..200] : source,
        Action = action.Length > 100 ? action[..100] : action,
        Detail = detail is { Length: > MaxDetailLength } ? detail[..MaxDetailLength] : detail,
    };
}

/// <summary>A container the owner asked the panel to watch (never to change).</summary>
public sealed class WatchedContainer
{
    private WatchedContainer() { }

    public string Name { get; private set; } = "";

    public DateTimeOffset AddedAt { get; private set; }

    public static WatchedContainer Create(string name, DateTimeOffset now)
    {
        var clean = Guard.NotBlank(name, "The container name", 128).TrimStart('/');
        if (!clean.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            throw new DomainException($"'{name}' is not a container name.");
        }

        return new WatchedContainer { Name = clean, AddedAt = now };
    }
}

/// <summary>When the panel raises an alert, and whom it tells.</summary>
public sealed class AlertSettings
{
    public const int SingletonId = 1;

    public int Id { get; private set; } = SingletonId;

    /// <summary>Alert when a container's memory stays above this share of its limit...</summary>
    public int MemoryPercent { get; private set; } = 90;

    /// <summary>...for this many minutes.</summary>
    public int MemoryMinutes { get; private set; } = 5;

    /// <summary>Alert when the homeserver is unhealthy for this many minutes.</summary>
    public int UnhealthyMinutes { get; private set; } = 2;

    /// <summary>Also send alerts as a Matrix server notice to this local user (the owner's Matrix account).</summary>
    public string? NotifyMatrixUserId { get; private set; }

    public static AlertSettings Default() => new();

    public void Change(int memoryPercent, int memoryMinutes, int unhealthyMinutes, string? notifyMatrixUserId)
    {
        if (memoryPercent is < 10 or > 100)
        {
            throw new DomainException("The memory threshold must be between 10 and 100 percent of the limit.");
        }

        if (memoryMinutes is < 1 or > 1440 || unhealthyMinutes is < 1 or > 1440)
        {
            throw new DomainException("The durations must be between 1 and 1440 minutes.");
        }

        if (!string.IsNullOrWhiteSpace(notifyMatrixUserId))
        {
            Homeserver.MatrixUserId.Parse(notifyMatrixUserId.Trim());
        }

        MemoryPercent = memoryPercent;
        MemoryMinutes = memoryMinutes;
        UnhealthyMinutes = unhealthyMinutes;
        NotifyMatrixUserId = string.IsNullOrWhiteSpace(notifyMatrixUserId) ? null : notifyMatrixUserId.Trim();
    }
}
