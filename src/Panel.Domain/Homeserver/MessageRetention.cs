using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>
/// Synapse's message retention (its <c>retention</c> settings): when on, messages older than a
/// room's lifetime are purged by Synapse's purge jobs. <see cref="DefaultMaxLifetimeDays"/> applies to
/// rooms without their own <c>m.room.retention</c>; <see cref="AllowedMaxLifetimeDays"/> caps what a
/// room may ask for. Null lifetimes mean "forever".
/// </summary>
public sealed record MessageRetention(bool Enabled, int? DefaultMaxLifetimeDays = null, int? AllowedMaxLifetimeDays = null)
{
    public const int MinimumDays = 1;
    public const int MaximumDays = 36_500;

    public static MessageRetention Off { get; } = new(false);

    public void Validate()
    {
        foreach (var (days, what) in new[] { (DefaultMaxLifetimeDays, "The default lifetime"), (AllowedMaxLifetimeDays, "The longest lifetime a room may ask for") })
        {
            if (days is < MinimumDays or > MaximumDays)
            {
                throw new DomainException($"{what} must be between {MinimumDays} and {MaximumDays:N0} days, or empty for forever.");
            }
        }

        if (DefaultMaxLifetimeDays is { } d && AllowedMaxLifetimeDays is { } max && d > max)
        {
            throw new DomainException($"The default lifetime ({d} days) is longer than the longest a room may ask for ({max} days).");
        }
    }

    /// <summary>Whether Synapse will delete messages under this policy (on, with a lifetime somewhere).</summary>
    public bool Deletes => Enabled && (DefaultMaxLifetimeDays is not null || AllowedMaxLifetimeDays is not null);

    public string Describe() => !Enabled
        ? "Off: messages are kept forever, whatever a room asks for."
        : (DefaultMaxLifetimeDays is { } d ? $"Messages are deleted after {Days(d)} in rooms without their own policy" : "Rooms without their own policy keep messages forever")
          + (AllowedMaxLifetimeDays is { } max ? $"; a room may keep them at most {Days(max)}." : "; a room may set any lifetime of a day or more.");

    /// <summary>What changing from <paramref name="before"/> to this deletes, in plain words (for the confirmation).</summary>
    public string Warning(MessageRetention before) => !Deletes
        ? "Nothing is deleted by this change; messages Synapse already purged stay gone."
        : "Synapse will permanently delete, from this server, messages older than the lifetime that applies to their room: "
          + "for everyone on this server, including its own users' messages. Only a backup taken before has them. "
          + "Other servers in the same rooms keep their own copies, and clients may keep what they downloaded."
          + (before.Deletes ? "" : " Retention is off today: the first purge runs within 12 hours.");

    public static string Days(int days) => days == 1 ? "1 day" : days % 365 == 0 ? (days / 365 == 1 ? "1 year" : $"{days / 365} years") : $"{days} days";
}
