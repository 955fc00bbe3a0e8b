using System.Security.Cryptography;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Domain.Users;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Users;

public sealed record UserRow(
    string UserId,
    string? DisplayName,
    bool Admin,
    bool Deactivated,
    bool Guest,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSeenAt,
    bool BridgePuppet,
    bool Protected,
    int? Sessions = null);

public sealed record UserList(IReadOnlyList<UserRow> Users, int Total, int? NextFrom);

public sealed record UserDetails(UserRow User, IReadOnlyList<UserDevice> Devices, int JoinedRooms, MediaUsage Media, IReadOnlyList<JoinedRoom> Rooms);

/// <summary>A room a user is in, named as the Rooms page names it.</summary>
public sealed record JoinedRoom(string RoomId, string? Name);

public sealed record CreateUserRequest(string? Username, string? DisplayName, string? Password, bool Admin);

/// <summary>A created account; <see cref="GeneratedPassword"/> is set (and shown once) when the panel chose the password.</summary>
public sealed record CreatedUser(string UserId, string? GeneratedPassword);

public sealed record PasswordReset(string UserId, string? GeneratedPassword);

/// <summary>
/// The homeserver's users, through its admin API. Every change is audited; the panel's own admin
/// account and bridge accounts are protected from edits.
/// </summary>
public sealed class UsersService(HomeserverAccess homeserver, ISecretProtector secrets, IAuditLog audit)
{
    public const int MinimumPasswordLength = 10;
    public const int MaximumPasswordLength = 512;
    public const int MaxPageSize = 500;

    private static readonly HashSet<string> OrderColumns = ["name", "displayname", "admin", "deactivated", "is_guest", "creation_ts", "last_seen_ts"];

    public async Task<UserList> ListAsync(UserQuery query, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > MaxPageSize || query.From < 0)
        {
            throw new DomainException($"limit must be between 1 and {MaxPageSize}, and from at least 0.");
        }

        if (!OrderColumns.Contains(query.OrderBy))
        {
            throw new DomainException($"orderBy must be one of: {string.Join(", ", OrderColumns)}.");
        }

        if (query.Search is { Length: > 200 })
        {
            throw new DomainException("The search text is too long.");
        }

        var (admin, reserved, _) = await ContextAsync(cancellationToken);
        var page = await admin.ListUsersAsync(query, cancellationToken);
        var rows = new List<UserRow>(page.Users.Count);
        foreach (var row in page.Users.Select(u => ToRow(u, reserved)))
        {
            // Synapse's "last seen" comes from client IPs, which it forgets after 28 days and writes a few
            // seconds late: a friend who just signed in read "never". Their devices remember longer.
            rows.Add(row is { LastSeenAt: null, Deactivated: false, BridgePuppet: false }
                ? WithDevices(row, await admin.ListDevicesAsync(row.UserId, cancellationToken))
                : row);
        }

        return new UserList(rows, page.Total, page.NextFrom);
    }

    /// <summary>Every active person on the server: not deactivated, not a guest, not the panel's or a bridge's account.</summary>
    public async Task<IReadOnlyList<string>> PeopleAsync(CancellationToken cancellationToken)
    {
        var (admin, reserved, _) = await ContextAsync(cancellationToken);
        var people = new List<string>();
        for (int? from = 0; from is { } f;)
        {
            var page = await admin.ListUsersAsync(new UserQuery(f, MaxPageSize, IncludeDeactivated: false, IncludeGuests: false), cancellationToken);
            people.AddRange(page.Users.Select(u => ToRow(u, reserved)).Where(u => !u.Protected && !u.Deactivated && !u.Guest).Select(u => u.UserId));
            from = page.NextFrom;
        }

        return people;
    }

    public async Task<UserDetails> GetAsync(string userIdOrName, CancellationToken cancellationToken)
    {
        var (admin, reserved, d) = await ContextAsync(cancellationToken);
        var userId = Normalize(userIdOrName, d.ServerName);
        var user = await admin.GetUserAsync(userId, cancellationToken) ?? throw new NotFoundException($"There is no user {userId}.");
        var devices = admin.ListDevicesAsync(userId, cancellationToken);
        var joined = admin.ListJoinedRoomsAsync(userId, cancellationToken);
        var media = admin.GetMediaUsageAsync(userId, cancellationToken);
        var roomIds = await joined;
        var rooms = roomIds.Take(RoomsShown).Select(id => new JoinedRoom(id, null)).ToList();
        if (roomIds.Count > 0)
        {
            // One page of the server's rooms names them all on a small server; the rest keep their ids.
            var names = (await admin.ListRoomsAsync("name", false, 0, RoomsShown * 2, cancellationToken)).Rooms
                .ToDictionary(r => r.RoomId, r => r.Name ?? r.CanonicalAlias, StringComparer.Ordinal);
            rooms = rooms.Select(r => r with { Name = names.GetValueOrDefault(r.RoomId) }).OrderBy(r => r.Name ?? "~" + r.RoomId, StringComparer.OrdinalIgnoreCase).ToList();
        }

        var list = await devices;
        return new UserDetails(WithDevices(ToRow(user, reserved), list), list, roomIds.Count, await media, rooms);
    }

    private const int RoomsShown = 50;

    private static UserRow WithDevices(UserRow row, IReadOnlyList<UserDevice> devices) => row with
    {
        LastSeenAt = new[] { row.LastSeenAt }.Concat(devices.Select(d => d.LastSeenAt)).Max(),
        Sessions = devices.Count,
    };

    public async Task<CreatedUser> CreateAsync(CreateUserRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, reserved, d) = await ContextAsync(cancellationToken);
        var localpart = ValidateUsername(request.Username, reserved);
        var displayName = ValidateDisplayName(request.DisplayName);
        var generated = string.IsNullOrEmpty(request.Password) ? GeneratePassword() : null;
        var password = generated ?? ValidatePassword(request.Password);
        try
        {
            var userId = await admin.CreateUserAsync(new NewUser(localpart, password, displayName, request.Admin), SharedSecret(d), cancellationToken);
            await audit.RecordAsync(actor, "user.created", userId, AuditOutcome.Success, request.Admin ? "as a server admin" : null, cancellationToken);
            return new CreatedUser(userId, generated);
        }
        catch (HomeserverException e) when (e.ErrorCode is "M_USER_IN_USE" or "M_EXCLUSIVE")
        {
            throw new ConflictException($"The username '{localpart}' is taken.");
        }
    }

    public async Task<PasswordReset> ResetPasswordAsync(string userIdOrName, string? newPassword, bool logOutDevices, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, userId) = await EditableAsync(userIdOrName, cancellationToken);
        var generated = string.IsNullOrEmpty(newPassword) ? GeneratePassword() : null;
        await admin.SetPasswordAsync(userId, generated ?? ValidatePassword(newPassword), logOutDevices, cancellationToken);
        await audit.RecordAsync(actor, "user.password-reset", userId, AuditOutcome.Success, logOutDevices ? "all devices logged out" : null, cancellationToken);
        return new PasswordReset(userId, generated);
    }

    public async Task DeactivateAsync(string userIdOrName, bool erase, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, userId) = await EditableAsync(userIdOrName, cancellationToken);
        await admin.DeactivateAsync(userId, erase, cancellationToken);
        await audit.RecordAsync(actor, "user.deactivated", userId, AuditOutcome.Success, erase ? "erased (messages hidden from new members, profile removed)" : null, cancellationToken);
    }

    public async Task SetAdminAsync(string userIdOrName, bool makeAdmin, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, userId) = await EditableAsync(userIdOrName, cancellationToken);
        await admin.SetAdminAsync(userId, makeAdmin, cancellationToken);
        await audit.RecordAsync(actor, makeAdmin ? "user.admin-granted" : "user.admin-revoked", userId, AuditOutcome.Success, null, cancellationToken);
    }

    public async Task LogOutDeviceAsync(string userIdOrName, string deviceId, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, userId) = await EditableAsync(userIdOrName, cancellationToken);
        if (string.IsNullOrWhiteSpace(deviceId) || deviceId.Length > 255)
        {
            throw new DomainException("A device ID is required.");
        }

        await admin.DeleteDeviceAsync(userId, deviceId, cancellationToken);
        await audit.RecordAsync(actor, "user.device-logged-out", userId, AuditOutcome.Success, $"device {deviceId}", cancellationToken);
    }

    /// <summary>The rules for new usernames: Matrix's characters, lowercase, and not a reserved name.</summary>
    public static string ValidateUsername(string? username, ReservedUsernames reserved)
    {
        var localpart = (username ?? "").Trim().TrimStart('@');
        var colon = localpart.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            localpart = localpart[..colon];
        }

        if (localpart.Length == 0)
        {
            throw new DomainException("A username is required.");
        }

        if (localpart.Length > 64)
        {
            throw new DomainException("The username must be at most 64 characters.");
        }

        if (!MatrixUserId.IsValidLocalpart(localpart))
        {
            throw new DomainException($"'{localpart}' is not a valid username: use lowercase letters, digits and . _ = - / + only.");
        }

        if (reserved.IsReserved(localpart))
        {
            throw new DomainException($"The username '{localpart}' is reserved for the panel or a bridge.");
        }

        return localpart;
    }

    public static string ValidatePassword(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumPasswordLength)
        {
            throw new DomainException($"The password must be at least {MinimumPasswordLength} characters.");
        }

        if (password.Length > MaximumPasswordLength)
        {
            throw new DomainException($"The password must be at most {MaximumPasswordLength} characters.");
        }

        return password;
    }

    public static string? ValidateDisplayName(string? displayName)
    {
        if (string.IsNullOrWhiteSpace(displayName))
        {
            return null;
        }

        var trimmed = displayName.Trim();
        if (trimmed.Length > 100 || trimmed.Any(char.IsControl))
        {
            throw new DomainException("The display name must be at most 100 characters, without control characters.");
        }

        return trimmed;
    }

    /// <summary>A password for a person to copy: 20 characters from an alphabet without look-alikes.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    internal async Task<(IHomeserverAdmin Admin, ReservedUsernames Reserved, HomeserverDeployment Deployment)> ContextAsync(CancellationToken cancellationToken)
    {
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var extra = d.AdminUserId is null ? [] : new[] { MatrixUserId.Parse(d.AdminUserId).Localpart };
        return (admin, new ReservedUsernames(extra), d);
    }

    internal string? SharedSecret(HomeserverDeployment d) =>
        d.RegistrationSharedSecretProtected is null ? null : secrets.Unprotect(d.RegistrationSharedSecretProtected);

    internal async Task<(IHomeserverAdmin Admin, string UserId)> EditableAsync(string userIdOrName, CancellationToken cancellationToken)
    {
        var (admin, reserved, d) = await ContextAsync(cancellationToken);
        var userId = Normalize(userIdOrName, d.ServerName);
        var user = await admin.GetUserAsync(userId, cancellationToken) ?? throw new NotFoundException($"There is no user {userId}.");
        if (ToRow(user, reserved).Protected)
        {
            throw new DomainException($"{userId} belongs to the panel or a bridge and cannot be changed here.");
        }

        return (admin, userId);
    }

    private static string Normalize(string userIdOrName, string serverName)
    {
        var value = (userIdOrName ?? "").Trim();
        if (!value.StartsWith('@'))
        {
            if (!MatrixUserId.IsValidLocalpart(value))
            {
                throw new DomainException($"'{value}' is not a user ID (@alice:{serverName}) or username.");
            }

            return $"@{value}:{serverName}";
        }

        var id = MatrixUserId.Parse(value);
        if (id.ServerName != serverName)
        {
            throw new DomainException($"{value} is not a user of this server ({serverName}).");
        }

        return id.Value;
    }

    private static UserRow ToRow(HomeserverUser u, ReservedUsernames reserved)
    {
        var localpart = MatrixUserId.Parse(u.UserId).Localpart;
        var puppet = u.AppServiceId is not null || ReservedUsernames.PuppetPrefixes.Any(p => localpart.StartsWith(p, StringComparison.Ordinal));
        return new UserRow(u.UserId, u.DisplayName, u.Admin, u.Deactivated, u.Guest, u.CreatedAt, u.LastSeenAt, puppet, puppet || reserved.IsReserved(localpart));
    }
}
