using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Federation;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Federation;

/// <summary>A remote server as the Homeserver page shows it; <see cref="RoomsShared"/> is counted for failing ones only.</summary>
public sealed record DestinationView(Destination Destination, int? RoomsShared);

public sealed record DestinationList(IReadOnlyList<DestinationView> Destinations, int Failing);

/// <summary>The servers this one federates with, and "retry now" for one that is backing off.</summary>
public sealed class DestinationsService(HomeserverAccess homeserver, IAuditLog audit)
{
    /// <summary>Failing destinations whose shared rooms are counted (one request each).</summary>
    public const int RoomsCountedFor = 50;

    public async Task<DestinationList> ListAsync(CancellationToken cancellationToken)
    {
        var admin = await homeserver.GetAdminAsync(cancellationToken);
        var all = await admin.ListDestinationsAsync(cancellationToken);
        var views = new List<DestinationView>(all.Count);
        foreach (var d in all.OrderByDescending(d => d.Failing).ThenBy(d => d.Name, StringComparer.Ordinal))
        {
            var counted = d.Failing && views.Count(v => v.RoomsShared is not null) < RoomsCountedFor;
            views.Add(new DestinationView(d, counted ? await admin.CountDestinationRoomsAsync(d.Name, cancellationToken) : null));
        }

        return new DestinationList(views, all.Count(d => d.Failing));
    }

    /// <summary>Ends a destination's back-off so that Synapse tries it now (after the owner fixed something there).</summary>
    public async Task RetryAsync(string destination, AuditActor actor, CancellationToken cancellationToken)
    {
        // Destinations are what Synapse knows, IP literals and ports included: look it up, do not parse it.
        if (string.IsNullOrWhiteSpace(destination) || destination.Length > 300)
        {
            throw new DomainException("Name the server to retry, as the list shows it.");
        }

        var admin = await homeserver.GetAdminAsync(cancellationToken);
        if (!(await admin.ListDestinationsAsync(cancellationToken)).Any(d => d.Name == destination))
        {
            throw new NotFoundException($"This server has never federated with {destination}.");
        }

        var retried = await admin.RetryDestinationAsync(destination, cancellationToken);
        await audit.RecordAsync(actor, "federation.retry", destination, AuditOutcome.Success,
            retried ? "back-off ended, Synapse tries it now" : "it was not backing off", cancellationToken);
    }
}
