using Microsoft.EntityFrameworkCore;
using Panel.Domain.Accounts;
using Panel.Domain.ApiTokens;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.ApiTokens;

public sealed record ApiTokenInfo(
    Guid Id,
    string Name,
    string Hint,
    string OwnerUserName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    string? LastUsedFrom,
    DateTimeOffset? RevokedAt);

public sealed record IssuedApiToken(ApiTokenInfo Token, string PlainText);

/// <summary>The identity behind a valid token.</summary>
public sealed record ApiTokenIdentity(Guid TokenId, string TokenName, string UserId, string UserName, IReadOnlyList<string> Roles);

public sealed class ApiTokenService(IDbContextFactory<PanelDbContext> contexts, IAuditLog audit, TimeProvider clock)
{
    /// <summary>
    /// How stale a token's recorded last use may be. Writing it on every request would put a database
    /// write (a disk sync on SQLite) on every API call, the largest part of a call's cost here.
    /// </summary>
    public static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (DateTimeOffset At, string? From)> _lastRecorded = new();

    // Every API call runs this: compiled once, instead of building and translating the LINQ
    // expression on every call, and flat (one row per role of the token's account) in one round trip.
    private static readonly CompiledQuery<Func<PanelDbContext, string, IAsyncEnumerable<TokenRow>>> FindActive =
        new(() => EF.CompileAsyncQuery((PanelDbContext db, string hash) =>
            from t in db.ApiTokens
            where t.Hash == hash && t.RevokedAt == null
            join u in db.Users on t.UserId equals u.Id
            join ur in db.UserRoles on u.Id equals ur.UserId
            join r in db.Roles on ur.RoleId equals r.Id
            select new TokenRow(t.Id, t.Name, u.Id, u.UserName, u.LockoutEnd, r.Name)));

    private sealed record TokenRow(Guid Id, string Name, string UserId, string? UserName, DateTimeOffset? LockoutEnd, string? Role);

    public async Task<IssuedApiToken> IssueAsync(string name, string userId, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
            ?? throw new NotFoundException("No such panel account.");
        var (token, plain) = ApiToken.Issue(name, userId, clock.GetUtcNow());
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, AuditActions.TokenCreated, $"token:{token.Name}", AuditOutcome.Success, $"for {user.UserName}, {token.Hint}…", cancellationToken);
        return new IssuedApiToken(ToInfo(token, user.UserName!), plain);
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await (from t in db.ApiTokens.AsNoTracking()
                          join u in db.Users.AsNoTracking() on t.UserId equals u.Id
                          select new { t, u.UserName }).ToListAsync(cancellationToken);
        return rows.Select(r => ToInfo(r.t, r.UserName!))
            .OrderBy(t => t.RevokedAt.HasValue).ThenByDescending(t => t.CreatedAt).ToList();
    }

    public async Task RevokeAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, cancellationToken)
            ?? throw new NotFoundException("No such API token.");
        token.Revoke(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, AuditActions.TokenRevoked, $"token:{token.Name}", AuditOutcome.Success, token.Hint + "…", cancellationToken);
    }

    /// <summary>
    /// Finds the active token with this text and records the use. Returns null for unknown and revoked
    /// tokens alike, so a caller cannot tell which it was.
    /// </summary>
    public async Task<ApiTokenIdentity?> ValidateAsync(string presented, string? from, CancellationToken cancellationToken)
    {
        if (!ApiToken.LooksLikeToken(presented))
        {
            return null;
        }

        var hash = ApiToken.HashOf(presented);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = new List<TokenRow>(2);
        await foreach (var row in FindActive.For(db)(db, hash).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }

        // No row: an unknown or revoked token, or an account without a role.
        if (rows.Count == 0 || rows[0].LockoutEnd > clock.GetUtcNow())
        {
            return null;
        }

        var match = rows[0];
        var roles = rows.Where(r => r.Role is not null).Select(r => r.Role!).ToList();
        if (!roles.Any(r => r is PanelRoles.Owner or PanelRoles.Admin or PanelRoles.Moderator))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (!_lastRecorded.TryGetValue(match.Id, out var last) || now - last.At >= LastUseResolution || last.From != from)
        {
            _lastRecorded[match.Id] = (now, from);
            await db.ApiTokens.Where(t => t.Id == match.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now).SetProperty(t => t.LastUsedFrom, from), cancellationToken);
        }

        return new ApiTokenIdentity(match.Id, match.Name, match.UserId, match.UserName!, roles);
    }

    private static ApiTokenInfo ToInfo(ApiToken t, string owner) =>
        new(t.Id, t.Name, t.Hint, owner, t.CreatedAt, t.LastUsedAt, t.LastUsedFrom, t.RevokedAt);
}
