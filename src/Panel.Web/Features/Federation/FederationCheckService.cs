using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Federation;

/// <summary>
/// The federation self-check for this homeserver (its name, and the client address the panel
/// publishes), or for a server name the owner types in. The last check of our own server is kept in
/// the database, so that a restarted panel still knows whether federation worked.
/// </summary>
public sealed class FederationCheckService(IFederationProbe probe, HomeserverService homeserver, IDbContextFactory<PanelDbContext> contexts)
{
    private FederationCheckReport? _last;
    private bool _loaded;

    /// <summary>The last check of this homeserver (null before the first, or when it was of a server name no longer installed).</summary>
    public async Task<FederationCheckReport?> LastAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            _last = (await db.FederationSelfChecks.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.Report;
            _loaded = true;
        }

        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        return _last is not null && d is { Phase: not InstallPhase.Uninstalled } && string.Equals(_last.ServerName, d.ServerName, StringComparison.OrdinalIgnoreCase) ? _last : null;
    }

    /// <summary>Checks <paramref name="serverName"/>, or this homeserver when it is empty.</summary>
    public async Task<FederationCheckReport> CheckAsync(string? serverName, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        var own = d is { Phase: not InstallPhase.Uninstalled } ? d : null;
        if (string.IsNullOrWhiteSpace(serverName) || own is not null && string.Equals(serverName.Trim(), own.ServerName, StringComparison.OrdinalIgnoreCase))
        {
            if (own is null)
            {
                throw new DomainException("There is no homeserver to check yet: install or attach one, or type another server's name.");
            }

            var report = await probe.CheckAsync(own.ServerName, new Uri(own.PublicBaseUrl), cancellationToken);
            await KeepAsync(report, cancellationToken);
            return report;
        }

        return await probe.CheckAsync(serverName, null, cancellationToken);
    }

    private async Task KeepAsync(FederationCheckReport report, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.FederationSelfChecks.SingleOrDefaultAsync(cancellationToken) is { } kept)
        {
            kept.Replace(report);
        }
        else
        {
            db.FederationSelfChecks.Add(FederationSelfCheck.Of(report));
        }

        await db.SaveChangesAsync(cancellationToken);
        _last = report;
        _loaded = true;
    }
}
