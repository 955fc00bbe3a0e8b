namespace Panel.Domain.Homeserver;

/// <summary>
/// The admin side of a homeserver, as the panel uses it. Synapse implements all of it through its
/// admin API. Other servers can plug in later and declare what they support in
/// <see cref="Capabilities"/>: Tuwunel serves most of the Synapse admin API, Dendrite has a small admin
/// API of its own, and Conduit and continuwuity are administered with commands in an admin room.
/// </summary>
public interface IHomeserverAdmin : Moderation.IHomeserverModeration, Federation.IHomeserverFederation
{
    HomeserverCapabilities Capabilities { get; }

    /// <summary>True when the server's health endpoint answers OK.</summary>
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);

    /// <summary>The server's version, or null when it cannot be read.</summary>
    Task<string?> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Checks that the admin credentials still work; returns the admin's user ID.</summary>
    Task<string> WhoAmIAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The server's request counters since its process started (Synapse's Prometheus metrics), or
    /// null when the server does not serve them (metrics off, or not this kind of server).
    /// </summary>
    Task<HomeserverActivity?> GetActivityAsync(CancellationToken cancellationToken);

    /// <summary>A page of local users, paged on the server.</summary>
    Task<UserPage> ListUsersAsync(UserQuery query, CancellationToken cancellationToken);

    /// <summary>One user, or null when there is no such user.</summary>
    Task<HomeserverUser?> GetUserAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a user. With the registration shared secret this is atomic (it fails with a conflict when
    /// the name is taken); without it the panel checks first and then creates.
    /// </summary>
    Task<string> CreateUserAsync(NewUser user, string? sharedSecret, CancellationToken cancellationToken);

    Task SetPasswordAsync(string userId, string password, bool logOutDevices, CancellationToken cancellationToken);

    Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken);

    Task SetAdminAsync(string userId, bool admin, CancellationToken cancellationToken);

    Task SetDisplayNameAsync(string userId, string displayName, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserDevice>> ListDevicesAsync(string userId, CancellationToken cancellationToken);

    Task DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken);

    /// <summary>The ids of the rooms a user has joined.</summary>
    Task<IReadOnlyList<string>> ListJoinedRoomsAsync(string userId, CancellationToken cancellationToken);

    Task<MediaUsage> GetMediaUsageAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Whether a localpart is free to register (the public client API, not the admin API).</summary>
    Task<bool> IsUsernameAvailableAsync(string localpart, CancellationToken cancellationToken);

    /// <summary>Puts a local user into a room (by ID or alias) or a space.</summary>
    Task JoinRoomAsync(string userId, string roomIdOrAlias, CancellationToken cancellationToken);

    Task<RegistrationTokenInfo> CreateRegistrationTokenAsync(string token, int usesAllowed, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    Task<RegistrationTokenInfo?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken);

    Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken);

    /// <summary>Sends a server notice (a message from the server itself) to a local user.</summary>
    /// <remarks>With a <paramref name="transactionId"/>, sending the same notice again is a no-op (Synapse remembers it for a while).</remarks>
    Task SendServerNoticeAsync(string userId, string text, CancellationToken cancellationToken, string? transactionId = null);

    /// <summary>The members of a room, as user ids.</summary>
    Task<IReadOnlyList<string>> ListRoomMembersAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>
    /// Rooms the server knows, ordered on the server ("state_events", "joined_members", "joined_local_members", "name").
    /// Synapse orders counts largest first; <paramref name="descending"/> reverses its order.
    /// </summary>
    /// <summary>A page of rooms; <paramref name="search"/> matches a part of the name, or the whole alias or id.</summary>
    Task<RoomPage> ListRoomsAsync(string orderBy, bool descending, int from, int limit, CancellationToken cancellationToken, string? search = null);

    /// <summary>
    /// A room's size by ID or alias: from this server when it knows the room, else from the public
    /// room directory of the server in its alias or ID (members only: its state is then estimated);
    /// null when nobody the server can ask knows it.
    /// </summary>
    Task<RoomSize?> FindRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken);

    /// <summary>Estimated database size per room; null when the server cannot tell (Synapse on SQLite).</summary>
    Task<IReadOnlyDictionary<string, long>?> GetRoomDatabaseSizesAsync(CancellationToken cancellationToken);

    /// <summary>Local users by the media they uploaded, most bytes first.</summary>
    Task<IReadOnlyList<UserMediaUsage>> ListMediaUsageAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Deletes the cached copies of other servers' media last used before a time; returns how many files went.</summary>
    Task<int> PurgeRemoteMediaCacheAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Whether the database's background updates run, and the one each database is running now.</summary>
    Task<BackgroundUpdateStatus> GetBackgroundUpdatesAsync(CancellationToken cancellationToken);

    /// <summary>Starts purging a room's history up to a point; returns an id to poll.</summary>
    Task<string> StartPurgeHistoryAsync(string roomId, PurgeUpTo upTo, bool deleteLocalEvents, CancellationToken cancellationToken);

    /// <summary>"active", "complete" or "failed".</summary>
    Task<string> GetPurgeStatusAsync(string purgeId, CancellationToken cancellationToken);

    /// <summary>Starts removing a room from the server (everyone is made to leave; optionally blocked); returns an id to poll.</summary>
    Task<string> StartDeleteRoomAsync(string roomId, bool block, bool purge, CancellationToken cancellationToken);

    /// <summary>"scheduled", "active", "shutting_down", "purging", "complete" or "failed".</summary>
    Task<string> GetDeleteStatusAsync(string deleteId, CancellationToken cancellationToken);

    /// <summary>The local user with this e-mail address among their third-party IDs; null when none has it.</summary>
    Task<string?> FindUserByEmailAsync(string email, CancellationToken cancellationToken);

    /// <summary>The room's current state events, as the server holds them (whoever is in the room).</summary>
    Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> GetRoomStateAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>A page of the room's timeline, oldest first, from <paramref name="from"/> (null: the start); <c>Next</c> is null at the end.</summary>
    Task<RoomEventsPage> GetRoomEventsAsync(string roomId, string? from, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a state event into a room as a local member (the admin API signs them in for the one
    /// request, then out again): for settings only a room's own admins may change.
    /// </summary>
    Task SendStateAsUserAsync(string userId, string roomId, string eventType, System.Text.Json.Nodes.JsonObject content, CancellationToken cancellationToken);

    /// <summary>A media file by its mxc:// URI, streamed; null when the server has no such file.</summary>
    Task<HomeserverMedia?> DownloadMediaAsync(string mxcUri, CancellationToken cancellationToken);
}

public sealed record RoomEventsPage(IReadOnlyList<System.Text.Json.Nodes.JsonObject> Events, string? Next);

/// <summary>A downloaded media file: dispose it to close the download.</summary>
public sealed record HomeserverMedia(Stream Content, string? ContentType, long? Length) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>Counters since <see cref="ProcessStartedAt"/>: a later reading with another start time means a restart.</summary>
public sealed record HomeserverActivity(DateTimeOffset ProcessStartedAt, long Requests, long Syncs)
{
    /// <summary>
    /// What was counted since <paramref name="previous"/>: the difference within one process, or
    /// everything the new process counted after a restart. Nothing before the first reading.
    /// </summary>
    public (long Requests, long Syncs) Since(HomeserverActivity? previous) =>
        previous is null ? (0, 0)
        : previous.ProcessStartedAt == ProcessStartedAt && Requests >= previous.Requests && Syncs >= previous.Syncs
            ? (Requests - previous.Requests, Syncs - previous.Syncs)
            : (Requests, Syncs);
}

public sealed record RoomPage(IReadOnlyList<RoomInfo> Rooms, int Total);

public sealed record RoomInfo(
    string RoomId,
    string? Name,
    string? CanonicalAlias,
    int JoinedMembers,
    int JoinedLocalMembers,
    long StateEvents,
    bool Federatable,
    bool Public,
    string? RoomType);

/// <summary>How large a room is: what joining it costs depends on its state and members.</summary>
public sealed record RoomSize(string RoomId, string? Alias, string? Name, long Members, long StateEvents, bool StateEstimated, int JoinedLocalMembers)
{
    /// <summary>A room seen only in a directory: its members, and about as many state events plus a few for its settings.</summary>
    public static long EstimateStateEvents(long members) => members + 20;
}

public sealed record UserQuery(
    int From = 0,
    int Limit = 50,
    string? Search = null,
    bool AdminsOnly = false,
    bool IncludeDeactivated = false,
    bool IncludeGuests = true,
    string OrderBy = "name",
    bool Descending = false);

public sealed record UserPage(IReadOnlyList<HomeserverUser> Users, int Total, int? NextFrom);

public sealed record HomeserverUser(
    string UserId,
    string? DisplayName,
    bool Admin,
    bool Deactivated,
    bool Guest,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSeenAt,
    string? AppServiceId,
    string? UserType,
    bool Locked);

public sealed record NewUser(string Localpart, string Password, string? DisplayName, bool Admin);

public sealed record UserDevice(string DeviceId, string? DisplayName, string? LastSeenIp, DateTimeOffset? LastSeenAt, string? LastSeenUserAgent);

public sealed record MediaUsage(long Count, long Bytes);

public sealed record UserMediaUsage(string UserId, string? DisplayName, long Count, long Bytes);

/// <summary>
/// Where a history purge stops. Synapse takes either a time, which it matches against when this
/// server received events (so history imported today with old dates is all "new"), or an event:
/// everything older than it in the room's order goes, whatever its date.
/// </summary>
public sealed record PurgeUpTo(DateTimeOffset? ReceivedBefore, string? EventId)
{
    public static PurgeUpTo Received(DateTimeOffset before) => new(before, null);

    public static PurgeUpTo Event(string eventId) => new(null, eventId);
}

public sealed record BackgroundUpdateStatus(bool Enabled, IReadOnlyList<string> Running);

public sealed record RegistrationTokenInfo(string Token, int? UsesAllowed, int Pending, int Completed, DateTimeOffset? ExpiresAt);

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
/// <summary>How to reach a homeserver; <see cref="MediaBaseUrl"/> is its media worker, which serves media and the media admin API in worker mode.</summary>
public sealed record HomeserverConnection(string BaseUrl, string AccessToken, string ServerName, string? MediaBaseUrl = null);

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

    /// <summary>
    /// Asks the homeserver to ping an application service (the appservice ping API, with the
    /// appservice's own token): this proves the whole wiring, from the loaded registration to the
    /// bridge answering on its address.
    /// </summary>
    Task<AppServicePing> PingAppServiceAsync(string baseUrl, string appServiceId, string asToken, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a person's password is right, by signing in as a client would; the session is logged
    /// out at once. Returns their user ID, or null for a wrong name or password.
    /// </summary>
    Task<string?> VerifyPasswordAsync(string baseUrl, string localpart, string password, CancellationToken cancellationToken);
}

public enum AppServicePingResult
{
    /// <summary>The bridge answered the ping.</summary>
    Answered,

    /// <summary>The bridge was reached but answered with an error (it may not implement ping): it is up.</summary>
    ReachedWithError,

    /// <summary>The homeserver could not reach the bridge (not started, wrong address).</summary>
    Unreachable,

    /// <summary>The homeserver does not know the token: the registration is not loaded.</summary>
    NotRegistered,

    /// <summary>The homeserver itself did not answer.</summary>
    HomeserverDown,
}

public sealed record AppServicePing(AppServicePingResult Result, string Detail, long? DurationMs)
{
    public bool IsUp => Result is AppServicePingResult.Answered or AppServicePingResult.ReachedWithError;
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
