using System.Security.Cryptography;
using System.Text;
using Panel.Domain.Common;

namespace Panel.Domain.Invites;

public enum InviteMode
{
    /// <summary>A link to the panel's invite page, where the friend picks a username and password.</summary>
    Link = 0,

    /// <summary>A Synapse registration token the friend types into any Matrix client.</summary>
    RegistrationToken = 1,
}

public enum InviteStatus
{
    Active,
    Expired,
    UsedUp,
    Revoked,
}

/// <summary>
/// An invitation to make accounts on the homeserver. It can be used up to <see cref="MaxUses"/> times
/// before <see cref="ExpiresAt"/>, unless revoked. A use is first <em>reserved</em> (so that parallel
/// redemptions cannot overshoot), then completed when the account exists, or released when it fails.
/// The code itself is never stored: only its hash (to find it) and an encrypted copy (to show the link again).
/// </summary>
public sealed class Invite
{
    public const int MaxNoteLength = 200;
    public const int MaxUsesLimit = 100;
    public const int MaxAutoJoinRooms = 20;

    private List<string> _autoJoinRooms = [];

    private Invite() { }

    public Guid Id { get; private set; }

    public InviteMode Mode { get; private set; }

    /// <summary>Lowercase hex SHA-256 of the code, for lookups.</summary>
    public string CodeHash { get; private set; } = "";

    /// <summary>The code, encrypted by the infrastructure's secret protector.</summary>
    public string CodeProtected { get; private set; } = "";

    public string? Note { get; private set; }

    public int MaxUses { get; private set; }

    public int Uses { get; private set; }

    public int Reserved { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string CreatedBy { get; private set; } = "";

    /// <summary>Rooms or a space (IDs or aliases) that new accounts join.</summary>
    public IReadOnlyList<string> AutoJoinRooms => _autoJoinRooms;

    /// <summary>Creates an invite; the caller gets the plain code once and stores only what is returned here.</summary>
    public static Invite Create(InviteMode mode, string codeHash, string codeProtected, string? note, int maxUses, DateTimeOffset expiresAt,
        IEnumerable<string>? autoJoinRooms, string createdBy, DateTimeOffset now)
    {
        if (maxUses is < 1 or > MaxUsesLimit)
        {
            throw new DomainException($"An invite can be used 1 to {MaxUsesLimit} times.");
        }

        if (expiresAt <= now)
        {
            throw new DomainException("The expiry must be in the future.");
        }

        if (expiresAt > now.AddYears(1))
        {
            throw new DomainException("An invite can be valid for at most a year.");
        }

        var rooms = (autoJoinRooms ?? []).Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (rooms.Count > MaxAutoJoinRooms)
        {
            throw new DomainException($"At most {MaxAutoJoinRooms} rooms can be joined automatically.");
        }

        foreach (var room in rooms)
        {
            if (room.Length > 255 || room[0] is not ('!' or '#') || !room.Contains(':', StringComparison.Ordinal) || room.Any(char.IsWhiteSpace))
            {
                throw new DomainException($"'{room}' is not a room ID (!abc:example.org) or alias (#room:example.org).");
            }
        }

        return new Invite
        {
            Id = Guid.NewGuid(),
            Mode = mode,
            CodeHash = codeHash,
            CodeProtected = codeProtected,
            Note = Guard.Optional(note, "The note", MaxNoteLength),
            MaxUses = maxUses,
            ExpiresAt = expiresAt.ToUniversalTime(),
            CreatedAt = now,
            CreatedBy = createdBy,
            _autoJoinRooms = rooms,
        };
    }

    /// <summary>A new code: 32 random bytes (256 bits), URL-safe.</summary>
    public static string NewCode() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashCode(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    /// <summary>A string that could be one of our codes: cheap to check before a lookup.</summary>
    public static bool LooksLikeCode(string? code) =>
        code is { Length: >= 20 and <= 100 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public InviteStatus StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? InviteStatus.Revoked
        : ExpiresAt <= now ? InviteStatus.Expired
        : Uses >= MaxUses ? InviteStatus.UsedUp
        : InviteStatus.Active;

    /// <summary>Whether one more use may be reserved: the same rule the database applies atomically.</summary>
    public bool CanReserve(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now && Uses + Reserved < MaxUses;

    public void Reserve(DateTimeOffset now)
    {
        if (!CanReserve(now))
        {
            throw new ConflictException(StatusAt(now) == InviteStatus.Active ? "All uses of this invite are taken right now." : $"This invite is {StatusAt(now).ToString().ToLowerInvariant()}.");
        }

        Reserved++;
    }

    public void CompleteReservation()
    {
        if (Reserved <= 0)
        {
            throw new InvalidOperationException("There is no reserved use to complete.");
        }

        Reserved--;
        Uses++;
    }

    public void ReleaseReservation()
    {
        if (Reserved <= 0)
        {
            throw new InvalidOperationException("There is no reserved use to release.");
        }

        Reserved--;
    }

    public void Revoke(DateTimeOffset now)
    {
        if (RevokedAt is not null)
        {
            throw new ConflictException("This invite is already revoked.");
        }

        RevokedAt = now;
    }

    /// <summary>Records the uses Synapse counted for a registration-token invite.</summary>
    public void SyncUses(int completed) => Uses = Math.Clamp(completed, 0, MaxUses);
}

public enum RedemptionStatus
{
    Pending = 0,
    Completed = 1,
    Failed = 2,
}

/// <summary>One use of an invite: who redeemed it, when, and from where.</summary>
public sealed class InviteRedemption
{
    private InviteRedemption() { }

    public Guid Id { get; private set; }

    public Guid InviteId { get; private set; }

    public string UserId { get; private set; } = "";

    public RedemptionStatus Status { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public string? SourceAddress { get; private set; }

    public string? Error { get; private set; }

    public static InviteRedemption Start(Guid inviteId, string userId, string? sourceAddress, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        InviteId = inviteId,
        UserId = userId,
        Status = RedemptionStatus.Pending,
        StartedAt = now,
        SourceAddress = sourceAddress,
    };

    public void Complete(DateTimeOffset now)
    {
        Status = RedemptionStatus.Completed;
        FinishedAt = now;
    }

    public void Fail(string error, DateTimeOffset now)
    {
        Status = RedemptionStatus.Failed;
        Error = error.Length > 500 ? error[..500] : error;
        FinishedAt = now;
    }
}
