using Panel.Domain.Common;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Federation;

/// <summary>
/// The federation self-check for this homeserver (its name, and the client address the panel
/// publishes), or for a server name the owner types in. It keeps the last check of our own server.
/// </summary>
public sealed class FederationCheckService(IFederationProbe probe, HomeserverService homeserver)
{
    private FederationCheckReport? _last;

    /// <summary>The last check of this homeserver since the panel started, if any.</summary>
    public FederationCheckReport? Last => _last;

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

            return _last = await probe.CheckAsync(own.ServerName, new Uri(own.PublicBaseUrl), cancellationToken);
        }

        return await probe.CheckAsync(serverName, null, cancellationToken);
    }
}
