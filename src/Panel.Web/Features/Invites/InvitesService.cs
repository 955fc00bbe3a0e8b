using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Domain.Invites;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Users;

namespace Panel.Web.Features.Invites;

public sealed record CreateInviteRequest
{
    public string? Note { get; init; }

    public int MaxUses { get; init; } = 1;

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyList<string>? AutoJoinRooms { get; init; }

    /// <summary>"link" (default) or "registrationToken".</summary>
    public string? Mode { get; init; }
}

public sealed record InviteView(
    Guid Id,
    string Mode,
    string Code,
    string Url,
    string? Note,
    string Status,
    int MaxUses,
    int Uses,
    int Pending,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    IReadOnlyList<string> AutoJoinRooms,
    IReadOnlyList<string> UsedBy);

public sealed record PublicInvite(string ServerName, string? Note, string Mode, string? Token, string HomeserverUrl);

/// <summary>A new account: its ID, the address clients reach the homeserver at, the rooms it was put in, and what went wrong on the way.</summary>
/// <summary>The invite a user redeemed: which one, its note, and when.</summary>
public sealed record InviteUse(Guid InviteId, string? Note, DateTimeOffset RedeemedAt);

public sealed record Redemption(string UserId, string HomeserverUrl, IReadOnlyList<string> Warnings, IReadOnlyList<WelcomeRoom> Rooms);

/// <summary>The invite exists but can no longer be used (expired, used up or revoked): HTTP 410.</summary>
public sealed class InviteGoneException(string message) : DomainException(message);

/// <summary>
/// Invites: links (and registration tokens) that let friends make an account. Redemption reserves a use
/// in the database before the account is made, so N people racing for a K-use invite make exactly K accounts.
/// </summary>
public sealed partial class InvitesService(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess access,
    HomeserverLifecycle homeserver,
    UsersService users,
    Moderation.HouseRulesService houseRules,
    ISecretProtector secrets,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<InvitesService> logger)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(7);

    /// <summary>An invite was made, revoked or used: open Invites pages refresh.</summary>
    public event Action? Changed;

    public async Task<InviteView> CreateAsync(CreateInviteRequest request, string panelBaseUrl, AuditActor actor, CancellationToken cancellationToken)
    {
        var mode = (request.Mode ?? "link").Trim() switch
        {
            "link" => InviteMode.Link,
            "registrationToken" or "registration-token" or "token" => InviteMode.RegistrationToken,
            _ => throw new DomainException("mode must be 'link' or 'registrationToken'."),
        };
        var now = clock.GetUtcNow();
        var code = Invite.NewCode();
        var invite = Invite.Create(mode, Invite.HashCode(code), secrets.Protect(code), request.Note, request.MaxUses,
            request.ExpiresAt ?? now + DefaultLifetime, request.AutoJoinRooms, actor.Name, now);

        if (mode == InviteMode.RegistrationToken)
        {
            await EnsureRegistrationTokensAsync(actor, cancellationToken);
            var admin = await access.GetAdminAsync(cancellationToken);
            await admin.CreateRegistrationTokenAsync(code, invite.MaxUses, invite.ExpiresAt, cancellationToken);
        }
        else
        {
            // Invites are for a homeserver that exists: fail now, not when a friend opens the link.
            await access.GetAdminAsync(cancellationToken);
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Invites.Add(invite);
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(actor, "invite.created", $"invite:{invite.Id}", AuditOutcome.Success,
            $"{mode}, {invite.MaxUses} use(s), until {invite.ExpiresAt:yyyy-MM-dd HH:mm} UTC{(invite.Note is null ? "" : ", note: " + invite.Note)}", cancellationToken);
        Changed?.Invoke();
        return ToView(invite, code, panelBaseUrl, []);
    }

    public async Task<IReadOnlyList<InviteView>> ListAsync(string panelBaseUrl, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var invites = await db.Invites.OrderByDescending(i => i.CreatedAt).Take(500).ToListAsync(cancellationToken);
        var ids = invites.Select(i => i.Id).ToList();
        var usedBy = (await db.InviteRedemptions.AsNoTracking()
                .Where(r => ids.Contains(r.InviteId) && r.Status == RedemptionStatus.Completed)
                .Select(r => new { r.InviteId, r.UserId })
                .ToListAsync(cancellationToken))
            .ToLookup(r => r.InviteId, r => r.UserId);

        var now = clock.GetUtcNow();
        var tokenPending = new Dictionary<Guid, int>();
        var active = invites.Where(i => i.Mode == InviteMode.RegistrationToken && i.StatusAt(now) is not (InviteStatus.Revoked)).ToList();
        if (active.Count > 0)
        {
            // Registration-token invites are used in clients, so Synapse keeps the count: read it back.
            try
            {
                var admin = await access.GetAdminAsync(cancellationToken);
                foreach (var invite in active)
                {
                    if (await admin.GetRegistrationTokenAsync(secrets.Unprotect(invite.CodeProtected), cancellationToken) is { } token)
                    {
                        invite.SyncUses(token.Completed);
                        tokenPending[invite.Id] = token.Pending;
                    }
                }

                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception e) when (e is HomeserverException or ConflictException)
            {
                LogTokenSyncFailed(logger, e.Message);
            }
        }

        return invites.Select(i =>
        {
            var view = ToView(i, secrets.Unprotect(i.CodeProtected), panelBaseUrl, usedBy[i.Id].ToList());
            return tokenPending.TryGetValue(i.Id, out var pending) ? view with { Pending = pending } : view;
        }).ToList();
    }

    /// <summary>The invite a user signed up with, if they came through one: its note and when it was used.</summary>
    public async Task<InviteUse?> FindUseAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var use = await db.InviteRedemptions.AsNoTracking()
            .Where(r => r.UserId == userId && r.Status == RedemptionStatus.Completed)
            .Join(db.Invites.AsNoTracking(), r => r.InviteId, i => i.Id, (r, i) => new { i.Id, i.Note, r.StartedAt })
            .FirstOrDefaultAsync(cancellationToken);
        return use is null ? null : new InviteUse(use.Id, use.Note, use.StartedAt);
    }

    public async Task RevokeAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var invite = await db.Invites.SingleOrDefaultAsync(i => i.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such invite.");
        if (invite.Mode == InviteMode.RegistrationToken)
        {
            // Synapse keeps accepting a token with uses_allowed 0; only deleting it stops registrations.
            var admin = await access.GetAdminAsync(cancellationToken);
            await admin.DeleteRegistrationTokenAsync(secrets.Unprotect(invite.CodeProtected), cancellationToken);
        }

        invite.Revoke(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, "invite.revoked", $"invite:{invite.Id}", AuditOutcome.Success, invite.Note, cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>What the public page shows for a code; null when the code is unknown or no longer usable.</summary>
    public async Task<PublicInvite?> FindUsableAsync(string? code, CancellationToken cancellationToken)
    {
        if (!Invite.LooksLikeCode(code))
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var hash = Invite.HashCode(code!);
        var invite = await db.Invites.AsNoTracking().SingleOrDefaultAsync(i => i.CodeHash == hash, cancellationToken);
        if (invite is null || !invite.CanReserve(clock.GetUtcNow()))
        {
            return null;
        }

        var d = await access.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            return null;
        }

        return new PublicInvite(d.ServerName, invite.Note, invite.Mode == InviteMode.Link ? "link" : "registrationToken",
            invite.Mode == InviteMode.RegistrationToken ? code : null, d.PublicBaseUrl);
    }

    public async Task<bool> IsUsernameAvailableAsync(string username, CancellationToken cancellationToken)
    {
        var (admin, reserved, _) = await users.ContextAsync(cancellationToken);
        var localpart = UsersService.ValidateUsername(username, reserved);
        return await admin.IsUsernameAvailableAsync(localpart, cancellationToken);
    }

    /// <summary>
    /// Makes an account with an invite. Throws <see cref="NotFoundException"/> (unknown code),
    /// <see cref="InviteGoneException"/> (expired, used up, revoked), <see cref="ConflictException"/>
    /// (username taken) or <see cref="DomainException"/> (invalid input).
    /// </summary>
    public async Task<Redemption> RedeemAsync(string? code, string? username, string? password, string? sourceAddress, CancellationToken cancellationToken, int? acceptedRulesVersion = null)
    {
        if (!Invite.LooksLikeCode(code))
        {
            throw new NotFoundException("There is no such invite.");
        }

        var hash = Invite.HashCode(code!);
        Invite? invite;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            invite = await db.Invites.AsNoTracking().SingleOrDefaultAsync(i => i.CodeHash == hash && i.Mode == InviteMode.Link, cancellationToken);
        }

        if (invite is null)
        {
            throw new NotFoundException("There is no such invite.");
        }

        // The house rules first: no account is made for someone who did not accept them.
        var rulesVersion = await houseRules.RequireAcceptedAsync(acceptedRulesVersion, cancellationToken);
        var (admin, reserved, d) = await users.ContextAsync(cancellationToken);
        var localpart = UsersService.ValidateUsername(username, reserved);
        var validPassword = UsersService.ValidatePassword(password);
        var userId = $"@{localpart}:{d.ServerName}";
        var anonymous = AuditActor.Anonymous(sourceAddress);

        var status = invite.StatusAt(clock.GetUtcNow());
        if (status != InviteStatus.Active)
        {
            throw new InviteGoneException(GoneMessage(status));
        }

        if (!await admin.IsUsernameAvailableAsync(localpart, cancellationToken))
        {
            throw new ConflictException($"The username '{localpart}' is taken.");
        }

        var redemptionId = await ReserveAsync(invite.Id, userId, sourceAddress, cancellationToken);
        try
        {
            await admin.CreateUserAsync(new NewUser(localpart, validPassword, null, false), users.SharedSecret(d), cancellationToken);
        }
        catch (Exception e)
        {
            await ReleaseAsync(invite.Id, redemptionId, e.Message, cancellationToken);
            if (e is HomeserverException { ErrorCode: "M_USER_IN_USE" or "M_EXCLUSIVE" })
            {
                throw new ConflictException($"The username '{localpart}' is taken.");
            }

            await audit.RecordAsync(anonymous, "invite.redeemed", userId, AuditOutcome.Failure, e.Message, cancellationToken);
            throw;
        }

        await CompleteAsync(invite.Id, redemptionId, cancellationToken);
        var warnings = new List<string>();
        var rooms = new List<WelcomeRoom>();
        foreach (var room in invite.AutoJoinRooms)
        {
            try
            {
                await admin.JoinRoomAsync(userId, room, cancellationToken);
                var found = await admin.FindRoomAsync(room, cancellationToken);
                rooms.Add(new WelcomeRoom(found?.RoomId ?? room, found?.Alias ?? (room.StartsWith('#') ? room : null), found?.Name ?? found?.Alias ?? room));
            }
            catch (HomeserverException e)
            {
                warnings.Add($"Could not join {room}: {e.Message}");
            }
        }

        // The new account is who acted: "@ann joined with the invite 'for Ann'", not "anonymous" and an ID.
        await audit.RecordAsync(new AuditActor(userId, sourceAddress), "invite.redeemed", userId, AuditOutcome.Success,
            invite.Note is { Length: > 0 } note ? $"with the invite '{note}'" : $"with an invite made {invite.CreatedAt:yyyy-MM-dd} by {invite.CreatedBy}", cancellationToken);
        if (rulesVersion is { } version)
        {
            await houseRules.RecordAsync(userId, version, sourceAddress, CancellationToken.None);
        }

        Changed?.Invoke();
        return new Redemption(userId, d.PublicBaseUrl, warnings, rooms);
    }

    /// <summary>
    /// Settles reservations left by a crash between "reserved" and "account made": if the account
    /// exists the use counts, otherwise it is handed back.
    /// </summary>
    public async Task RecoverStaleReservationsAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cutoff = clock.GetUtcNow() - olderThan;
        var stale = await db.InviteRedemptions.AsNoTracking().Where(r => r.Status == RedemptionStatus.Pending && r.StartedAt < cutoff).ToListAsync(cancellationToken);
        if (stale.Count == 0)
        {
            return;
        }

        var admin = await access.GetAdminAsync(cancellationToken);
        foreach (var r in stale)
        {
            if (await admin.GetUserAsync(r.UserId, cancellationToken) is not null)
            {
                await CompleteAsync(r.InviteId, r.Id, cancellationToken);
            }
            else
            {
                await ReleaseAsync(r.InviteId, r.Id, "abandoned (the panel stopped during the redemption)", cancellationToken);
            }
        }
    }

    // One statement decides: it adds a reservation only while uses + reservations stay under the
    // limit, and the database applies it atomically (SQLite has one writer; PostgreSQL re-checks the
    // condition on the locked row), so parallel redemptions can never overshoot.
    private async Task<Guid> ReserveAsync(Guid inviteId, string userId, string? sourceAddress, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var reserved = await db.Invites
            .Where(i => i.Id == inviteId && i.RevokedAt == null && i.ExpiresAt > now && i.Uses + i.Reserved < i.MaxUses)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Reserved, i => i.Reserved + 1), cancellationToken);
        if (reserved == 0)
        {
            var current = await db.Invites.AsNoTracking().SingleAsync(i => i.Id == inviteId, cancellationToken);
            var status = current.StatusAt(now);
            throw new InviteGoneException(status == InviteStatus.Active ? "All uses of this invite are being taken right now." : GoneMessage(status));
        }

        var redemption = InviteRedemption.Start(inviteId, userId, sourceAddress, now);
        db.InviteRedemptions.Add(redemption);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return redemption.Id;
    }

    private async Task CompleteAsync(Guid inviteId, Guid redemptionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Invites.Where(i => i.Id == inviteId && i.Reserved > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Reserved, i => i.Reserved - 1).SetProperty(i => i.Uses, i => i.Uses + 1), CancellationToken.None);
        var redemption = await db.InviteRedemptions.SingleAsync(r => r.Id == redemptionId, CancellationToken.None);
        redemption.Complete(clock.GetUtcNow());
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    private async Task ReleaseAsync(Guid inviteId, Guid redemptionId, string error, CancellationToken cancellationToken)
    {
        // Not cancellable: a reservation must be handed back even when the request is gone.
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Invites.Where(i => i.Id == inviteId && i.Reserved > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Reserved, i => i.Reserved - 1), CancellationToken.None);
        var redemption = await db.InviteRedemptions.SingleAsync(r => r.Id == redemptionId, CancellationToken.None);
        redemption.Fail(error, clock.GetUtcNow());
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    private async Task EnsureRegistrationTokensAsync(AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await access.GetDeploymentAsync(cancellationToken);
        if (d is null || d.RegistrationTokensEnabled || d.Mode == HomeserverMode.Attached)
        {
            // An attached homeserver's config is its owner's: it needs registration_requires_token there.
            return;
        }

        await homeserver.ApplyConfigChangeAsync("Turn on registration with a token", x => x.SetRegistrationTokens(true), x => x.SetRegistrationTokens(false),
            actor, "homeserver.registration-tokens-enabled", cancellationToken);
    }

    private static string GoneMessage(InviteStatus status) => status switch
    {
        InviteStatus.Expired => "This invite has expired.",
        InviteStatus.UsedUp => "This invite has been used up.",
        InviteStatus.Revoked => "This invite was withdrawn.",
        _ => "This invite cannot be used.",
    };

    private InviteView ToView(Invite i, string code, string panelBaseUrl, IReadOnlyList<string> usedBy) => new(
        i.Id,
        i.Mode == InviteMode.Link ? "link" : "registrationToken",
        code,
        $"{panelBaseUrl.TrimEnd('/')}/invite/{code}",
        i.Note,
        i.StatusAt(clock.GetUtcNow()).ToString() switch { "UsedUp" => "used up", var s => s.ToLowerInvariant() },
        i.MaxUses,
        i.Uses,
        i.Reserved,
        i.CreatedAt,
        i.ExpiresAt,
        i.RevokedAt,
        i.AutoJoinRooms,
        usedBy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read registration token uses from the homeserver: {Error}")]
    private static partial void LogTokenSyncFailed(ILogger logger, string error);
}
