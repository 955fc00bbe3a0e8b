using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// How the rest of the panel reaches the homeserver: its record, and an admin client for it. Reads are
/// cheap on purpose (most API calls start here): one compiled query, and the admin token decrypted once.
/// </summary>
public sealed class HomeserverAccess(
    IDbContextFactory<PanelDbContext> contexts,
    IHomeserverAdminFactory admins,
    ISecretProtector secrets,
    HomeserverEndpoint endpoint)
{
    // Compiled once: building and translating the LINQ expression again on every call cost more
    // than running the query.
    private static readonly CompiledQuery<Func<PanelDbContext, CancellationToken, Task<HomeserverDeployment?>>> ReadDeployment =
        new(() => EF.CompileAsyncQuery((PanelDbContext db, CancellationToken _) => db.Homeservers.AsNoTracking().SingleOrDefault()));

    // The last admin token decrypted, by its ciphertext: decrypting it on every call was a tenth of
    // an API call's cost. It changes only when the panel signs in to the homeserver again.
    // A reference, so that a reader never sees one token's ciphertext with another's plain text.
    private volatile DecryptedToken? _adminToken;

    public async Task<HomeserverDeployment?> GetDeploymentAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await ReadDeployment.For(db)(db, cancellationToken);
    }

    /// <summary>Changes the homeserver's record (which must exist) through its own methods, and saves it.</summary>
    public async Task ChangeAsync(Action<HomeserverDeployment> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var d = await db.Homeservers.SingleAsync(cancellationToken);
        change(d);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>An admin client for the current homeserver; throws when there is none yet.</summary>
    public async Task<IHomeserverAdmin> GetAdminAsync(CancellationToken cancellationToken) =>
        (await GetAdminContextAsync(cancellationToken)).Admin;

    /// <summary>An admin client and the deployment it was made from, from one read of the record.</summary>
    public async Task<(IHomeserverAdmin Admin, HomeserverDeployment Deployment)> GetAdminContextAsync(CancellationToken cancellationToken)
    {
        var d = await GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed } || d.AdminAccessTokenProtected is null)
        {
            throw new ConflictException("The homeserver is not installed yet: install or attach one first.");
        }

        return (CreateAdmin(d), d);
    }

    /// <summary>A person's user ID when their password is right (a client sign-in, logged out at once); null when it is not.</summary>
    public async Task<string?> VerifyPasswordAsync(string userIdOrName, string password, CancellationToken cancellationToken)
    {
        var (_, d) = await GetAdminContextAsync(cancellationToken);
        var name = (userIdOrName ?? "").Trim();
        var localpart = name.StartsWith('@') ? MatrixUserId.Parse(name).Localpart : name;
        return localpart.Length == 0 || string.IsNullOrEmpty(password)
            ? null
            : await admins.VerifyPasswordAsync(endpoint.BaseUrlFor(d), localpart, password, cancellationToken);
    }

    public IHomeserverAdmin CreateAdmin(HomeserverDeployment d) =>
        admins.Create(new HomeserverConnection(endpoint.BaseUrlFor(d), AdminToken(d.AdminAccessTokenProtected!), d.ServerName, endpoint.MediaBaseUrlFor(d)));

    private string AdminToken(string protectedToken)
    {
        if (_adminToken is { } cached && string.Equals(cached.Protected, protectedToken, StringComparison.Ordinal))
        {
            return cached.Plain;
        }

        var plain = secrets.Unprotect(protectedToken);
        _adminToken = new DecryptedToken(protectedToken, plain);
        return plain;
    }

    private sealed record DecryptedToken(string Protected, string Plain);
}
