using Panel.Domain.Common;

namespace Panel.Domain.Moderation;

public enum AnnouncementStatus
{
    Sending = 0,
    Paused = 1,
    Done = 2,
    Failed = 3,
}

/// <summary>
/// A notice to every local user, or to a room's local members, sent as server notices. Its recipients
/// are written down before the first is sent, and each is marked once sent, so a paused or interrupted
/// announcement resumes where it stopped and reaches nobody twice.
/// </summary>
public sealed class Announcement
{
    public const int MaxTextLength = 4000;

    private Announcement() { }

    public Guid Id { get; private set; }

    public string Text { get; private set; } = "";

    /// <summary>"all", or the room id whose members it goes to.</summary>
    public string Audience { get; private set; } = "all";

    public AnnouncementStatus Status { get; private set; }

    public int Total { get; private set; }

    public int Sent { get; private set; }

    public string CreatedBy { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public string? Error { get; private set; }

    public static Announcement Create(string? text, string audience, int recipients, string createdBy, DateTimeOffset now)
    {
        var body = (text ?? "").Trim();
        if (body.Length == 0)
        {
            throw new DomainException("Write the announcement first: an empty notice is not sent.");
        }

        if (body.Length > MaxTextLength)
        {
            throw new DomainException($"The announcement is {body.Length} characters long; {MaxTextLength} at most.");
        }

        if (recipients == 0)
        {
            throw new DomainException(audience == "all" ? "There is nobody to tell: the server has no other users yet." : $"Nobody of this server is in {audience}.");
        }

        return new Announcement
        {
            Id = Guid.NewGuid(),
            Text = body,
            Audience = audience,
            Status = AnnouncementStatus.Sending,
            Total = recipients,
            CreatedBy = createdBy,
            CreatedAt = now,
        };
    }

    public void Delivered(int count) => Sent = Math.Min(Total, Sent + count);

    public void Pause()
    {
        if (Status != AnnouncementStatus.Sending)
        {
            throw new DomainException($"The announcement is {Status.ToString().ToLowerInvariant()}, not sending.");
        }

        Status = AnnouncementStatus.Paused;
    }

    public void Resume()
    {
        if (Status is not (AnnouncementStatus.Paused or AnnouncementStatus.Failed))
        {
            throw new DomainException($"The announcement is {Status.ToString().ToLowerInvariant()}: only a paused or failed one resumes.");
        }

        Status = AnnouncementStatus.Sending;
        Error = null;
    }

    public void Finish(DateTimeOffset now)
    {
        Status = AnnouncementStatus.Done;
        FinishedAt = now;
    }

    public void Fail(string error, DateTimeOffset now)
    {
        Status = AnnouncementStatus.Failed;
        Error = error.Length > 500 ? error[..500] : error;
        FinishedAt = now;
    }
}

/// <summary>One user an announcement goes to; <see cref="SentAt"/> is set once their notice went.</summary>
public sealed class AnnouncementRecipient
{
    private AnnouncementRecipient() { }

    public Guid AnnouncementId { get; private set; }

    public string UserId { get; private set; } = "";

    public DateTimeOffset? SentAt { get; private set; }

    public static AnnouncementRecipient For(Guid announcementId, string userId) => new() { AnnouncementId = announcementId, UserId = userId };

    public void MarkSent(DateTimeOffset now) => SentAt = now;

    /// <summary>The same for every try, so that Synapse drops a notice it already sent (its transaction id).</summary>
    public string TransactionId => $"panel-{AnnouncementId:N}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(UserId)))[..16]}";
}
