namespace Panel.Domain.Federation;

/// <summary>The servers this homeserver federates with, as Synapse keeps them, and its retry state for each.</summary>
public interface IHomeserverFederation
{
    /// <summary>Every destination Synapse knows, failing ones first.</summary>
    Task<IReadOnlyList<Destination>> ListDestinationsAsync(CancellationToken cancellationToken);

    /// <summary>How many rooms this server shares with <paramref name="destination"/>.</summary>
    Task<int> CountDestinationRoomsAsync(string destination, CancellationToken cancellationToken);

    /// <summary>Ends the back-off and tries the destination again now; false when it was not backing off.</summary>
    Task<bool> RetryDestinationAsync(string destination, CancellationToken cancellationToken);
}

/// <summary>
/// A remote server. <see cref="FailingSince"/> is set while sending to it fails; Synapse then waits
/// <see cref="RetryInterval"/> after <see cref="LastTriedAt"/> before it tries again.
/// </summary>
public sealed record Destination(string Name, DateTimeOffset? FailingSince, DateTimeOffset? LastTriedAt, TimeSpan RetryInterval)
{
    public bool Failing => FailingSince is not null;

    public DateTimeOffset? NextTryAt => Failing && LastTriedAt is { } last ? last + RetryInterval : null;
}
