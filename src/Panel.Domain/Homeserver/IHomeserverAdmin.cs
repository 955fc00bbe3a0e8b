namespace Panel.Domain.Homeserver;

/// <summary>
/// The admin side of a homeserver, as the panel uses it. Synapse implements all of it through its
/// admin API. Other servers can plug in later and declare what they support in
/// <see cref="Capabilities"/>: Tuwunel serves most of the Synapse admin API, Dendrite has a small admin
/// API of its own, and Conduit and continuwuity are administered with commands in an admin room.
/// </summary>
public interface IHomeserverAdmin
{
    HomeserverCapabilities Capabilities { get; }

    /// <summary>True when the server's health endpoint answers OK.</summary>
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);

    /// <summary>The server's version, or null when it cannot be read.</summary>
    Task<string?> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Checks that the admin credentials still work; returns the admin's user ID.</summary>
    Task<string> WhoAmIAsync(CancellationToken cancellationToken);
}

/// <summary>What a homeserver implementation lets the panel do.</summary>
[Flags]
public enum HomeserverCapabilities
{
    None = 0,
    Users = 1,
    RegistrationTokens = 2,
    RoomStatistics = 4,
    PurgeHistory = 8,
    DeleteRooms = 16,
    ServerNotices = 32,
    Devices = 64,
    All = Users | RegistrationTokens | RoomStatistics | PurgeHistory | DeleteRooms | ServerNotices | Devices,
}

/// <summary>How to reach a homeserver's admin side: its client API URL and an admin access token.</summary>
public sealed record HomeserverConnection(string BaseUrl, string AccessToken, string ServerName);

/// <summary>Makes admin clients for a connection, and registers the panel's own admin with a shared secret.</summary>
public interface IHomeserverAdminFactory
{
    IHomeserverAdmin Create(HomeserverConnection connection);

    /// <summary>Whether anything answers /health at this URL (no credentials needed).</summary>
    Task<bool> IsHealthyAsync(string baseUrl, CancellationToken cancellationToken);

    /// <summary>
    /// Registers (or, when it exists, signs in) an admin account with the server's registration shared
    /// secret, and returns its user ID and access token.
    /// </summary>
    Task<AdminSession> RegisterAdminAsync(string baseUrl, string sharedSecret, string localpart, string password, CancellationToken cancellationToken);
}

public sealed record AdminSession(string UserId, string AccessToken);

/// <summary>The homeserver answered, but with an error the panel can explain.</summary>
public sealed class HomeserverException : Common.DomainException
{
    public HomeserverException(string message, int? statusCode = null, string? errorCode = null) : base(message)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    public HomeserverException(string message, Exception inner) : base(message, inner) { }

    public HomeserverException() { }

    public int? StatusCode { get; }

    /// <summary>The Matrix errcode, such as M_USER_IN_USE.</summary>
    public string? ErrorCode { get; }
}
