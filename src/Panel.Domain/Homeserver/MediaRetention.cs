using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>
/// Synapse's <c>media_retention</c>: media not used for a lifetime are deleted by Synapse itself, on
/// its own schedule. Remote media are copies of other servers' files (fetched again when someone opens
/// one); local media are this server's users' uploads, gone for good. Null: kept forever.
/// </summary>
public sealed record MediaRetention(int? RemoteMediaDays = null, int? LocalMediaDays = null)
{
    public const int MinimumDays = 1;
    public const int MaximumDays = 36_500;

    public static MediaRetention Off { get; } = new();

    public bool Enabled => RemoteMediaDays is not null || LocalMediaDays is not null;

    public void Validate()
    {
        foreach (var (days, what) in new[] { (RemoteMediaDays, "Other servers' media"), (LocalMediaDays, "This server's uploads") })
        {
            if (days is < MinimumDays or > MaximumDays)
            {
                throw new DomainException($"{what} must be kept between {MinimumDays} and {MaximumDays:N0} days, or empty for forever.");
            }
        }
    }

    public string Describe() =>
        (RemoteMediaDays is { } r ? $"Other servers' media are deleted here after {MessageRetention.Days(r)} unused" : "Other servers' media are kept forever")
        + (LocalMediaDays is { } l ? $"; this server's uploads after {MessageRetention.Days(l)} unused." : "; this server's uploads forever.");

    /// <summary>Whether the change deletes uploads of this server's users (the part that cannot be fetched again).</summary>
    public bool DeletesUploads(MediaRetention before) => LocalMediaDays is { } days && (before.LocalMediaDays is not { } was || days < was);
}
