using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

public enum MemoryChangeStatus
{
    /// <summary>Applied; the window after it is still running.</summary>
    Measuring = 0,

    /// <summary>Both windows are measured.</summary>
    Measured = 1,

    /// <summary>Another change (or the homeserver going away) ended the window after it early.</summary>
    CutShort = 2,
}

/// <summary>
/// A memory profile change and its measured effect: a window of the same length before and after
/// it, the one after starting once Synapse has warmed up again. Kept so that the owner sees what
/// worked on their own server.
/// </summary>
public sealed class MemoryChange
{
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromSeconds(30);

    /// <summary>The history keeps a day of minutes: a window longer than that could not be measured after.</summary>
    public static readonly TimeSpan MaximumWindow = TimeSpan.FromHours(24);

    private MemoryChange() { }

    public long Id { get; private set; }

    /// <summary>When the change was asked for: the window before ends here.</summary>
    public DateTimeOffset RequestedAt { get; private set; }

    /// <summary>When Synapse was healthy again with the new settings: the warm-up starts here.</summary>
    public DateTimeOffset AppliedAt { get; private set; }

    public MemoryProfile FromProfile { get; private set; }

    public MemoryProfile ToProfile { get; private set; }

    /// <summary>The new settings in words (<see cref="MemoryProfiles.Describe"/>).</summary>
    public string Summary { get; private set; } = "";

    public TimeSpan Window { get; private set; }

    public TimeSpan WarmUp { get; private set; }

    public MemoryWindow? Before { get; private set; }

    public MemoryWindow? After { get; private set; }

    public MemoryChangeStatus Status { get; private set; }

    /// <summary>What the owner should know about the measurement (no samples before, a restart in the window, cut short).</summary>
    public string? Note { get; private set; }

    public DateTimeOffset AfterFrom => AppliedAt + WarmUp;

    public DateTimeOffset AfterTo => AfterFrom + Window;

    public MemoryEffect? Effect => Before is { } b && After is { } a ? MemoryEffect.Between(b, a) : null;

    public static MemoryChange Applied(MemoryProfile from, MemoryProfile to, string summary, DateTimeOffset requestedAt, DateTimeOffset appliedAt,
        TimeSpan window, TimeSpan warmUp, MemoryWindow? before)
    {
        if (window < MinimumWindow || window > MaximumWindow)
        {
            throw new DomainException($"A comparison window must be between {MinimumWindow.TotalSeconds:0} seconds and {MaximumWindow.TotalHours:0} hours.");
        }

        if (warmUp < TimeSpan.Zero || warmUp > TimeSpan.FromHours(6))
        {
            throw new DomainException("The warm-up must be between 0 and 6 hours.");
        }

        if (appliedAt < requestedAt)
        {
            throw new DomainException("A change is applied after it is asked for.");
        }

        return new MemoryChange
        {
            FromProfile = from,
            ToProfile = to,
            Summary = Guard.NotBlank(summary, "The summary", 1000),
            RequestedAt = requestedAt,
            AppliedAt = appliedAt,
            Window = window,
            WarmUp = warmUp,
            Before = before,
            Status = MemoryChangeStatus.Measuring,
            Note = before is null ? "The panel has no memory samples from before this change, so there is nothing to compare it with." : null,
        };
    }

    /// <summary>The window after has ended (<paramref name="now"/> is past <see cref="AfterTo"/>).</summary>
    public bool IsDue(DateTimeOffset now) => Status == MemoryChangeStatus.Measuring && now >= AfterTo;

    public void Measure(MemoryWindow? after, string? note = null)
    {
        EnsureMeasuring();
        After = after;
        Status = MemoryChangeStatus.Measured;
        AddNote(after is null ? "There are no memory samples from after the warm-up (was Synapse running?)." : null);
        AddNote(note);
    }

    /// <summary>Another change came before the window after ended: what was measured so far is kept, and said to be partial.</summary>
    public void CutShort(string reason, MemoryWindow? partial)
    {
        EnsureMeasuring();
        After = partial;
        Status = MemoryChangeStatus.CutShort;
        AddNote(reason);
    }

    private void EnsureMeasuring()
    {
        if (Status != MemoryChangeStatus.Measuring)
        {
            throw new DomainException("This change is already measured.");
        }
    }

    private void AddNote(string? note)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return;
        }

        var text = Note is null ? note : Note + " " + note;
        Note = text.Length > 1000 ? text[..1000] : text;
    }
}
