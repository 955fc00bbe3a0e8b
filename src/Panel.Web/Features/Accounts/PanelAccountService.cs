using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Accounts;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Infrastructure.Identity;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Accounts;

public sealed record PanelAccount(
    string Id,
    string UserName,
    string? Email,
    string Role,
    bool TwoFactorEnabled,
    DateTimeOffset? LockedOutUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt);

public sealed record AuthenticatorSetup(string SharedKey, string AuthenticatorUri);

/// <summary>
/// Panel accounts (Owner and Admins) and their security settings. Each call runs in its own DI scope,
/// so that Blazor circuits never hold a UserManager or DbContext between clicks.
/// </summary>
public sealed class PanelAccountService(IServiceScopeFactory scopes, IAuditLog audit, TimeProvider clock)
{
    private const int RecoveryCodeCount = 10;

    public Task<IReadOnlyList<PanelAccount>> ListAsync(CancellationToken cancellationToken) =>
        WithUsersAsync<IReadOnlyList<PanelAccount>>(async users =>
        {
            var all = await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
            var owners = (await users.GetUsersInRoleAsync(PanelRoles.Owner)).Select(u => u.Id).ToHashSet();
            var moderators = (await users.GetUsersInRoleAsync(PanelRoles.Moderator)).Select(u => u.Id).ToHashSet();
            return all.Select(u => ToAccount(u, owners.Contains(u.Id) ? PanelRoles.Owner : moderators.Contains(u.Id) ? PanelRoles.Moderator : PanelRoles.Admin)).ToList();
        });

    public Task<PanelAccount?> FindAsync(string userId, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId);
            return user is null ? null : ToAccount(user, await RoleOfAsync(users, user));
        });

    public Task<PanelUser?> FindOwnerAsync() =>
        WithUsersAsync(async users => (await users.GetUsersInRoleAsync(PanelRoles.Owner)).OrderBy(u => u.CreatedAt).FirstOrDefault());

    public Task<PanelAccount> CreateAdminAsync(string userName, string? email, string password, AuditActor actor, CancellationToken cancellationToken) =>
        CreateAccountAsync(userName, email, password, PanelRoles.Admin, actor, cancellationToken);

    /// <summary>Makes an Admin or a Moderator account (there is one Owner, made at setup).</summary>
    public Task<PanelAccount> CreateAccountAsync(string userName, string? email, string password, string? role, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            role = string.IsNullOrWhiteSpace(role) ? PanelRoles.Admin : role.Trim();
            if (role is not (PanelRoles.Admin or PanelRoles.Moderator))
            {
                throw new DomainException($"The role must be {PanelRoles.Admin} or {PanelRoles.Moderator}.");
            }

            var user = new PanelUser
            {
                UserName = userName?.Trim(),
                Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
                CreatedAt = clock.GetUtcNow(),
            };
            var problems = await OwnerSetupService.PasswordProblemsAsync(users, user, password);
            if (problems.Count > 0)
            {
                throw new DomainException(string.Join(" ", problems));
            }

            Check(await users.CreateAsync(user, password));
            Check(await users.AddToRoleAsync(user, role));
            await audit.RecordAsync(actor, AuditActions.PanelUserCreated, $"panel-user:{user.UserName}", AuditOutcome.Success, "role " + role, cancellationToken);
            return ToAccount(user, role);
        });

    public Task DeleteAsync(string userId, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            if (await users.IsInRoleAsync(user, PanelRoles.Owner))
            {
                throw new DomainException("The owner account cannot be deleted.");
            }

            Check(await users.DeleteAsync(user));
            await audit.RecordAsync(actor, AuditActions.PanelUserDeleted, $"panel-user:{user.UserName}", AuditOutcome.Success, null, cancellationToken);
            return true;
        });

    /// <summary>Sets a new password without the old one (owner recovery from the CLI); optionally turns 2FA off too.</summary>
    public Task ResetPasswordAsync(string userId, string newPassword, bool disableTwoFactor, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            var problems = await OwnerSetupService.PasswordProblemsAsync(users, user, newPassword);
            if (problems.Count > 0)
            {
                throw new DomainException(string.Join(" ", problems));
            }

            var token = await users.GeneratePasswordResetTokenAsync(user);
            Check(await users.ResetPasswordAsync(user, token, newPassword));
            // A reset is a recovery: whoever was locked out is let back in.
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            if (disableTwoFactor)
            {
                Check(await users.SetTwoFactorEnabledAsync(user, false));
                await users.ResetAuthenticatorKeyAsync(user);
            }

            await audit.RecordAsync(actor, AuditActions.PasswordReset, $"panel-user:{user.UserName}", AuditOutcome.Success,
                disableTwoFactor ? "two-factor authentication turned off" : null, cancellationToken);
            return true;
        });

    public Task ChangePasswordAsync(string userId, string currentPassword, string newPassword, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            var problems = await OwnerSetupService.PasswordProblemsAsync(users, user, newPassword);
            if (problems.Count > 0)
            {
                throw new DomainException(string.Join(" ", problems));
            }

            var result = await users.ChangePasswordAsync(user, currentPassword ?? "", newPassword);
            await audit.RecordAsync(actor, AuditActions.PasswordChanged, $"panel-user:{user.UserName}",
                result.Succeeded ? AuditOutcome.Success : AuditOutcome.Failure, null, cancellationToken);
            Check(result);
            return true;
        });

    public Task<AuthenticatorSetup> GetAuthenticatorSetupAsync(string userId, string issuer) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            var key = await users.GetAuthenticatorKeyAsync(user);
            if (string.IsNullOrEmpty(key))
            {
                await users.ResetAuthenticatorKeyAsync(user);
                key = await users.GetAuthenticatorKeyAsync(user);
            }

            return new AuthenticatorSetup(FormatKey(key!), AuthenticatorUri(issuer, user.UserName!, key!));
        });

    /// <summary>Turns 2FA on once the user proves their app works; returns fresh recovery codes, shown once.</summary>
    public Task<IReadOnlyList<string>> EnableTwoFactorAsync(string userId, string code, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync<IReadOnlyList<string>>(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            var clean = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
            var valid = await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, clean);
            if (!valid)
            {
                throw new DomainException("That code is not valid. Check that the time on your phone is right and try the newest code.");
            }

            Check(await users.SetTwoFactorEnabledAsync(user, true));
            var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) ?? [];
            await audit.RecordAsync(actor, AuditActions.TwoFactorEnabled, $"panel-user:{user.UserName}", AuditOutcome.Success, null, cancellationToken);
            return codes.ToList();
        });

    public Task DisableTwoFactorAsync(string userId, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            if (await users.IsInRoleAsync(user, PanelRoles.Owner) && await scopes.CreateScope().ServiceProvider.GetRequiredService<SecurityPolicy>().RequireOwnerTwoFactorAsync(cancellationToken))
            {
                throw new DomainException("Two-factor authentication is required for owners: it cannot be turned off while the policy is on.");
            }

            Check(await users.SetTwoFactorEnabledAsync(user, false));
            await users.ResetAuthenticatorKeyAsync(user);
            await audit.RecordAsync(actor, AuditActions.TwoFactorDisabled, $"panel-user:{user.UserName}", AuditOutcome.Success, null, cancellationToken);
            return true;
        });

    public Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(string userId, AuditActor actor, CancellationToken cancellationToken) =>
        WithUsersAsync<IReadOnlyList<string>>(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            if (!await users.GetTwoFactorEnabledAsync(user))
            {
                throw new DomainException("Turn on two-factor authentication first.");
            }

            var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) ?? [];
            await audit.RecordAsync(actor, AuditActions.RecoveryCodesGenerated, $"panel-user:{user.UserName}", AuditOutcome.Success, null, cancellationToken);
            return codes.ToList();
        });

    public Task<int> CountRecoveryCodesAsync(string userId) =>
        WithUsersAsync(async users =>
        {
            var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("No such panel account.");
            return await users.CountRecoveryCodesAsync(user);
        });

    private async Task<T> WithUsersAsync<T>(Func<UserManager<PanelUser>, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<UserManager<PanelUser>>());
    }

    private static async Task<string> RoleOfAsync(UserManager<PanelUser> users, PanelUser user) =>
        await users.IsInRoleAsync(user, PanelRoles.Owner) ? PanelRoles.Owner
        : await users.IsInRoleAsync(user, PanelRoles.Moderator) ? PanelRoles.Moderator : PanelRoles.Admin;

    private static PanelAccount ToAccount(PanelUser u, string role) => new(
        u.Id, u.UserName ?? "", u.Email, role, u.TwoFactorEnabled,
        u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : null, u.CreatedAt, u.LastLoginAt);

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new DomainException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private static string FormatKey(string key)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            sb.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        return sb.ToString().TrimEnd().ToLowerInvariant();
    }

    // The otpauth URI that authenticator apps read from the QR code.
    private static string AuthenticatorUri(string issuer, string userName, string key) =>
        string.Format(CultureInfo.InvariantCulture, "otpauth://totp/{0}:{1}?secret={2}&issuer={0}&digits=6",
            UrlEncoder.Default.Encode(issuer), UrlEncoder.Default.Encode(userName), key);
}
