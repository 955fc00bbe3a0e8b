using Panel.Domain.Homeserver;

namespace Panel.Testing.Fakes;

/// <summary>
/// A FAKE homeserver admin API: a healthy server with the panel's admin and no users or rooms. It
/// stands in for Synapse in the fast tests of operation branches; users, invites and rooms are tested
/// against the real Synapse image. <see cref="FailHealthWith"/> and <see cref="FailRegistrationWith"/>
/// inject faults.
/// </summary>
public sealed class FakeHomeserverAdminFactory : IHomeserverAdminFactory
{
    public const string AdminToken = "fake-admin-token";

    public bool Healthy { get; set; } = true;

    public Exception? FailHealthWith { get; set; }

    /// <summary>Keeps <see cref="FailHealthWith"/> for every call until a test clears it (else the first call takes it).</summary>
    public bool FailHealthUntilCleared { get; set; }

    public Exception? FailRegistrationWith { get; set; }

    /// <summary>Server notices sent, in order: to whom, and what.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string To, string Text)> Notices { get; } = new();

    /// <summary>The fake server's report queue, newest first as Synapse lists it.</summary>
    public List<Panel.Domain.Moderation.EventReport> Reports { get; } = [];

    /// <summary>The destinations Synapse would list, with the rooms shared with each (for the destination watcher).</summary>
    public Dictionary<Panel.Domain.Federation.Destination, int> Destinations { get; } = [];

    /// <summary>What the fake server's metrics say; null as for a server without metrics.</summary>
    public HomeserverActivity? Activity { get; set; }

    public IHomeserverAdmin Create(HomeserverConnection connection) => new FakeHomeserverAdmin(this, connection);

    public Task<bool> IsHealthyAsync(string baseUrl, CancellationToken cancellationToken)
    {
        if (FailHealthWith is { } e)
        {
            if (!FailHealthUntilCleared)
            {
                FailHealthWith = null;
            }

            throw e;
        }

        return Task.FromResult(Healthy);
    }

    public Task<AdminSession> RegisterAdminAsync(string baseUrl, string sharedSecret, string localpart, string password, CancellationToken cancellationToken)
    {
        if (FailRegistrationWith is { } e)
        {
            FailRegistrationWith = null;
            throw e;
        }

        return Task.FromResult(new AdminSession($"@{localpart}:fake.test", AdminToken));
    }

    public Task<AppServicePing> PingAppServiceAsync(string baseUrl, string appServiceId, string asToken, CancellationToken cancellationToken) =>
        Task.FromResult(new AppServicePing(AppServicePingResult.Answered, "fake", 1));

    public Task<string?> VerifyPasswordAsync(string baseUrl, string localpart, string password, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake homeserver does not model client sign-in; test it against the real Synapse image.");
}

/// <summary>The admin client of <see cref="FakeHomeserverAdminFactory"/>. What it does not model, it refuses loudly.</summary>
public sealed class FakeHomeserverAdmin(FakeHomeserverAdminFactory factory, HomeserverConnection connection) : IHomeserverAdmin
{
    public HomeserverCapabilities Capabilities => HomeserverCapabilities.All;

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => factory.IsHealthyAsync(connection.BaseUrl, cancellationToken);

    public Task<string?> GetVersionAsync(CancellationToken cancellationToken) => Task.FromResult<string?>("fake 1.0");

    public Task<string> WhoAmIAsync(CancellationToken cancellationToken) =>
        connection.AccessToken == FakeHomeserverAdminFactory.AdminToken
            ? Task.FromResult($"@panel-admin:{connection.ServerName}")
            : throw new HomeserverException("Unknown token", 401, "M_UNKNOWN_TOKEN");

    public Task<HomeserverActivity?> GetActivityAsync(CancellationToken cancellationToken) => Task.FromResult(factory.Activity);

    public Task<RoomSize?> FindRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken) => Task.FromResult<RoomSize?>(null);

    public Task<UserPage> ListUsersAsync(UserQuery query, CancellationToken cancellationToken) => Task.FromResult(new UserPage([], 0, null));

    public Task<HomeserverUser?> GetUserAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<HomeserverUser?>(null);

    public Task<RoomPage> ListRoomsAsync(string orderBy, bool descending, int from, int limit, CancellationToken cancellationToken, string? search = null) => Task.FromResult(new RoomPage([], 0));

    public Task<IReadOnlyDictionary<string, long>?> GetRoomDatabaseSizesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyDictionary<string, long>?>(null);

    public Task<string> CreateUserAsync(NewUser user, string? sharedSecret, CancellationToken cancellationToken) => NotModelled<string>();

    public Task SetPasswordAsync(string userId, string password, bool logOutDevices, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task DeactivateAsync(string userId, bool erase, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task SetAdminAsync(string userId, bool admin, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task SetDisplayNameAsync(string userId, string displayName, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<IReadOnlyList<UserDevice>> ListDevicesAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<UserDevice>>([]);

    public Task DeleteDeviceAsync(string userId, string deviceId, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<IReadOnlyList<string>> ListJoinedRoomsAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    public Task<MediaUsage> GetMediaUsageAsync(string userId, CancellationToken cancellationToken) => Task.FromResult(new MediaUsage(0, 0));

    public Task<bool> IsUsernameAvailableAsync(string localpart, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task JoinRoomAsync(string userId, string roomIdOrAlias, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<RegistrationTokenInfo> CreateRegistrationTokenAsync(string token, int usesAllowed, DateTimeOffset expiresAt, CancellationToken cancellationToken) => NotModelled<RegistrationTokenInfo>();

    public Task<RegistrationTokenInfo?> GetRegistrationTokenAsync(string token, CancellationToken cancellationToken) => Task.FromResult<RegistrationTokenInfo?>(null);

    public Task DeleteRegistrationTokenAsync(string token, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<IReadOnlyList<string>> ListRoomMembersAsync(string roomId, CancellationToken cancellationToken) => NotModelled<IReadOnlyList<string>>();

    public Task SendServerNoticeAsync(string userId, string text, CancellationToken cancellationToken, string? transactionId = null)
    {
        factory.Notices.Enqueue((userId, text));
        return Task.CompletedTask;
    }

    public Task SendStateAsUserAsync(string userId, string roomId, string eventType, System.Text.Json.Nodes.JsonObject content, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<IReadOnlyList<UserMediaUsage>> ListMediaUsageAsync(int limit, CancellationToken cancellationToken) => NotModelled<IReadOnlyList<UserMediaUsage>>();

    public Task<int> PurgeRemoteMediaCacheAsync(DateTimeOffset before, CancellationToken cancellationToken) => NotModelled<int>();

    public Task<BackgroundUpdateStatus> GetBackgroundUpdatesAsync(CancellationToken cancellationToken) => NotModelled<BackgroundUpdateStatus>();

    public Task<string> StartPurgeHistoryAsync(string roomId, PurgeUpTo upTo, bool deleteLocalEvents, CancellationToken cancellationToken) => NotModelled<string>();

    public Task<string> GetPurgeStatusAsync(string purgeId, CancellationToken cancellationToken) => NotModelled<string>();

    public Task<string> StartDeleteRoomAsync(string roomId, bool block, bool purge, CancellationToken cancellationToken) => NotModelled<string>();

    public Task<string> GetDeleteStatusAsync(string deleteId, CancellationToken cancellationToken) => NotModelled<string>();

    public Task<string?> FindUserByEmailAsync(string email, CancellationToken cancellationToken) => NotModelled<string?>();

    public Task<IReadOnlyList<System.Text.Json.Nodes.JsonObject>> GetRoomStateAsync(string roomId, CancellationToken cancellationToken) => NotModelled<IReadOnlyList<System.Text.Json.Nodes.JsonObject>>();

    public Task<RoomEventsPage> GetRoomEventsAsync(string roomId, string? from, int limit, CancellationToken cancellationToken) => NotModelled<RoomEventsPage>();

    public Task<HomeserverMedia?> DownloadMediaAsync(string mxcUri, CancellationToken cancellationToken) => NotModelled<HomeserverMedia?>();

    // Moderation: the report queue (the report watcher looks at it); the actions are tested on the real Synapse.
    public Task<Panel.Domain.Moderation.EventReportPage> ListEventReportsAsync(int from, int limit, CancellationToken cancellationToken)
    {
        lock (factory.Reports)
        {
            return Task.FromResult(new Panel.Domain.Moderation.EventReportPage(factory.Reports.OrderByDescending(r => r.Id).Skip(from).Take(limit).ToList(), factory.Reports.Count));
        }
    }

    public Task<Panel.Domain.Moderation.EventReportDetails?> GetEventReportAsync(long id, CancellationToken cancellationToken) =>
        Task.FromResult<Panel.Domain.Moderation.EventReportDetails?>(null);

    public Task DeleteEventReportAsync(long id, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task RedactEventAsync(string roomId, string eventId, string asUserId, string? reason, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task BlockRoomAsync(string roomId, bool block, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<string> StartRedactUserEventsAsync(string userId, string? reason, int limit, CancellationToken cancellationToken) => NotModelled<string>();

    public Task<Panel.Domain.Moderation.RedactionStatus> GetRedactionStatusAsync(string redactionId, CancellationToken cancellationToken) => NotModelled<Panel.Domain.Moderation.RedactionStatus>();

    public Task QuarantineMediaAsync(string serverName, string mediaId, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<int> QuarantineRoomMediaAsync(string roomId, CancellationToken cancellationToken) => NotModelled<int>();

    public Task<int> QuarantineUserMediaAsync(string userId, CancellationToken cancellationToken) => NotModelled<int>();

    public Task<IReadOnlyList<Panel.Domain.Moderation.MediaAddress>> ListQuarantinedMediaAsync(CancellationToken cancellationToken) => NotModelled<IReadOnlyList<Panel.Domain.Moderation.MediaAddress>>();

    public Task<IReadOnlyList<Panel.Domain.Federation.Destination>> ListDestinationsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Panel.Domain.Federation.Destination>>(factory.Destinations.Keys.ToList());

    public Task<int> CountDestinationRoomsAsync(string destination, CancellationToken cancellationToken) =>
        Task.FromResult(factory.Destinations.FirstOrDefault(d => d.Key.Name == destination).Value);

    public Task<bool> RetryDestinationAsync(string destination, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task ReleaseMediaAsync(Panel.Domain.Moderation.MediaAddress media, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<IReadOnlyList<Panel.Domain.Moderation.MediaItem>> ListUserMediaAsync(string userId, CancellationToken cancellationToken) => NotModelled<IReadOnlyList<Panel.Domain.Moderation.MediaItem>>();

    public Task SetShadowBanAsync(string userId, bool banned, CancellationToken cancellationToken) => NotModelled<bool>();

    public Task<Panel.Domain.Moderation.RateLimitOverride?> GetRateLimitAsync(string userId, CancellationToken cancellationToken) => NotModelled<Panel.Domain.Moderation.RateLimitOverride?>();

    public Task SetRateLimitAsync(string userId, Panel.Domain.Moderation.RateLimitOverride? limit, CancellationToken cancellationToken) => NotModelled<bool>();

    private static Task<T> NotModelled<T>([System.Runtime.CompilerServices.CallerMemberName] string member = "") =>
        throw new NotSupportedException($"The fake homeserver does not model {member}; test it against the real Synapse image.");
}
