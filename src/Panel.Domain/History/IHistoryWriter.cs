using System.Text.Json.Nodes;

namespace Panel.Domain.History;

/// <summary>
/// Writing history into the homeserver as the panel's appservice: its users (the ghosts) exist,
/// rooms are made and joined, and events are sent as any of its users with the time they
/// originally had (the appservice <c>ts</c> parameter). Events are sent with a transaction ID, so
/// that sending the same one again within the homeserver's memory of it returns the same event.
/// </summary>
public interface IHistoryWriter
{
    /// <summary>Makes the user (if it does not exist) and sets its display name.</summary>
    Task EnsureUserAsync(string localpart, string displayName, CancellationToken cancellationToken);

    /// <summary>A room made by <paramref name="creator"/> (a user of the appservice) from a createRoom body.</summary>
    Task<string> CreateRoomAsync(string creator, JsonObject body, CancellationToken cancellationToken);

    Task InviteAsync(string roomId, string inviter, string userId, CancellationToken cancellationToken);

    Task JoinAsync(string roomId, string userId, CancellationToken cancellationToken);

    /// <summary>Lists the room in the server's room directory, as <paramref name="sender"/>.</summary>
    Task PublishAsync(string roomId, string sender, CancellationToken cancellationToken);

    Task SetStateAsync(string roomId, string sender, string eventType, string stateKey, JsonObject content, CancellationToken cancellationToken);

    Task<string> SendAsync(string roomId, string sender, string eventType, JsonObject content, string transactionId, DateTimeOffset originalTime, CancellationToken cancellationToken);

    /// <summary>Uploads a file as <paramref name="sender"/>; answers its mxc:// URI.</summary>
    Task<string> UploadAsync(string sender, Stream content, string fileName, string contentType, CancellationToken cancellationToken);

    /// <summary>Sets a ghost's avatar to an uploaded image.</summary>
    Task SetAvatarAsync(string userId, string mxcUri, CancellationToken cancellationToken);
}

/// <summary>Makes writers for the homeserver at a base URL, with the appservice's token.</summary>
public interface IHistoryWriterFactory
{
    /// <summary>A writer for the homeserver at <paramref name="baseUrl"/>; uploads go to <paramref name="mediaBaseUrl"/> when a media worker serves them.</summary>
    IHistoryWriter Create(string baseUrl, string asToken, string serverName, string? mediaBaseUrl = null);
}
