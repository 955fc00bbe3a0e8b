using Panel.Domain.Common;

namespace Panel.Domain.Audit;

/// <summary>
/// One line of the audit log: who did what, to what, when, from where, and how it ended.
/// Entries are append-only: nothing in the panel edits or deletes them, and the database refuses it too.
/// </summary>
public sealed class AuditEntry
{
    public const int MaxActorLength = 256;
    public const int MaxActionLength = 100;
    public const int MaxTargetLength = 512;
    public const int MaxSourceLength = 64;
    public const int MaxDetailsLength = 2000;

    private AuditEntry() { }

    public long Id { get; private set; }

    public DateTimeOffset Timestamp { get; private set; }

    /// <summary>The user name, <c>token:NAME</c>, <c>cli</c>, <c>system</c> or <c>anonymous</c>.</summary>
    public string Actor { get; private set; } = "";

    /// <summary>A dotted verb such as <c>auth.login</c>; see <see cref="AuditActions"/>.</summary>
    public string Action { get; private set; } = "";

    public string? Target { get; private set; }

    public string? SourceAddress { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    public string? Details { get; private set; }

    public static AuditEntry Record(
        DateTimeOffset timestamp,
        string actor,
        string action,
        string? target,
        string? sourceAddress,
        AuditOutcome outcome,
        string? details = null) => new()
        {
            Timestamp = timestamp.ToUniversalTime(),
            Actor = Clip(string.IsNullOrWhiteSpace(actor) ? "anonymous" : actor, MaxActorLength)!,
            Action = Guard.NotBlank(action, "Audit action", MaxActionLength),
            Target = Clip(target, MaxTargetLength),
            SourceAddress = Clip(sourceAddress, MaxSourceLength),
            Outcome = outcome,
            Details = Clip(details, MaxDetailsLength),
        };

    // Audit text comes from user input at times (a failed login's user name); it is cut, never refused,
    // because losing an audit line is worse than keeping a shortened one.
    private static string? Clip(string? value, int max) =>
        value is null ? null : value.Length <= max ? value : value[..(max - 1)] + "…";
}

public enum AuditOutcome
{
    Success = 0,
    Failure = 1,
    Denied = 2,
}
