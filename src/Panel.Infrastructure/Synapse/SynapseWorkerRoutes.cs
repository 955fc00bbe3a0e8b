using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>A group of paths the proxy sends to some workers, balanced one way; <see cref="Methods"/> null: any method.</summary>
public sealed record WorkerRoute(string Name, IReadOnlyList<string> PathPatterns, WorkerKind Kind, string Balance, IReadOnlyList<string>? Methods = null)
{
    /// <summary>The patterns as one regular expression (RE2 and .NET alike).</summary>
    public string Regex => string.Join("|", PathPatterns.Select(p => "(?:" + p + ")"));
}

/// <summary>
/// Which requests go to which workers, from the endpoint lists of Synapse's workers documentation
/// (workers.md, "synapse.app.generic_worker" and "synapse.app.media_repository"). What no route
/// names goes to the main process. Pagination (/messages) stays on the main process: all requests
/// for one room would have to reach one worker.
/// </summary>
public static class SynapseWorkerRoutes
{
    private const string Client = "^/_matrix/client/(api/v1|r0|v3|unstable)";

    /// <summary>Sync, sticky per access token: a user's syncs reuse one worker's caches.</summary>
    public static readonly WorkerRoute Sync = new("sync", [
        "^/_matrix/client/(r0|v3)/sync$",
        "^/_matrix/client/(api/v1|r0|v3)/events$",
        "^/_matrix/client/(api/v1|r0|v3)/initialSync$",
        "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
    ], WorkerKind.Generic, "header Authorization");

    /// <summary>Inbound federation transactions, by source address: one remote server's transactions reach one process.</summary>
    public static readonly WorkerRoute FederationSend = new("federation_send", ["^/_matrix/federation/v1/send/"], WorkerKind.Generic, "client_ip_hash");

    public static readonly WorkerRoute Federation = new("federation", [
        "^/_matrix/federation/v1/version$", "^/_matrix/federation/v1/event/", "^/_matrix/federation/v1/state/",
        "^/_matrix/federation/v1/state_ids/", "^/_matrix/federation/v1/backfill/", "^/_matrix/federation/v1/get_missing_events/",
        "^/_matrix/federation/v1/publicRooms", "^/_matrix/federation/v1/query/", "^/_matrix/federation/v1/make_join/",
        "^/_matrix/federation/v1/make_leave/", "^/_matrix/federation/(v1|v2)/send_join/", "^/_matrix/federation/(v1|v2)/send_leave/",
        "^/_matrix/federation/v1/make_knock/", "^/_matrix/federation/v1/send_knock/", "^/_matrix/federation/(v1|v2)/invite/",
        "^/_matrix/federation/v1/event_auth/", "^/_matrix/federation/v1/timestamp_to_event/",
        "^/_matrix/federation/v1/exchange_third_party_invite/", "^/_matrix/federation/v1/user/devices/",
        "^/_matrix/key/v2/query", "^/_matrix/federation/v1/hierarchy/",
    ], WorkerKind.Generic, "round_robin");

    public static readonly WorkerRoute ClientApi = new("client", [
        Client + "/createRoom$", Client + "/publicRooms$", Client + "/rooms/.*/joined_members$", Client + "/rooms/.*/context/.*$",
        Client + "/rooms/.*/members$", Client + "/rooms/.*/state$", "^/_matrix/client/v1/rooms/.*/hierarchy$",
        "^/_matrix/client/(v1|unstable)/rooms/.*/relations/", "^/_matrix/client/v1/rooms/.*/threads$",
        "^/_matrix/client/v1/room_summary/.*$", "^/_matrix/client/(r0|v3|unstable)/account/3pid$",
        "^/_matrix/client/(r0|v3|unstable)/account/whoami$", "^/_matrix/client/(r0|v3|unstable)/account/deactivate$",
        "^/_matrix/client/(r0|v3)/delete_devices$", Client + "/devices(/|$)", "^/_matrix/client/versions$",
        Client + "/voip/turnServer$", Client + "/rooms/.*/event/", Client + "/joined_rooms$",
        "^/_matrix/client/v1/rooms/.*/timestamp_to_event$", Client + "/search$", "^/_matrix/client/(r0|v3|unstable)/user/.*/filter(/|$)",
        Client + "/directory/room/.*$", "^/_matrix/client/(r0|v3|unstable)/capabilities$", "^/_matrix/client/(r0|v3|unstable)/notifications$",
        "^/_matrix/client/(r0|v3|unstable)/keys/query$", "^/_matrix/client/(r0|v3|unstable)/keys/changes$",
        "^/_matrix/client/(r0|v3|unstable)/keys/claim$", "^/_matrix/client/(r0|v3|unstable)/room_keys/",
        "^/_matrix/client/(r0|v3|unstable)/keys/upload", Client + "/keys/device_signing/upload$", Client + "/keys/signatures/upload$",
        Client + "/login$", "^/_matrix/client/(r0|v3|unstable)/register$", "^/_matrix/client/(r0|v3|unstable)/register/available$",
        "^/_matrix/client/v1/register/m.login.registration_token/validity$", "^/_matrix/client/(r0|v3|unstable)/password_policy$",
        Client + "/rooms/.*/redact", Client + "/rooms/.*/send", Client + "/rooms/.*/state/",
        Client + "/rooms/.*/(join|invite|leave|ban|unban|kick)$", Client + "/join/", Client + "/knock/", Client + "/profile/",
        "^/_matrix/client/(r0|v3|unstable)/user_directory/search$",
    ], WorkerKind.Generic, "round_robin");

    /// <summary>Endpoints a generic worker answers for reads only.</summary>
    public static readonly WorkerRoute ClientReads = new("client_reads", [
        Client + "/pushrules/", "^/_matrix/client/(r0|v3|unstable)/.*/tags", "^/_matrix/client/(r0|v3|unstable)/.*/account_data",
        Client + "/presence/",
    ], WorkerKind.Generic, "round_robin", ["GET"]);

    /// <summary>Uploads, downloads and thumbnails, for clients and other servers.</summary>
    public static readonly WorkerRoute Media = new("media", ["^/_matrix/media/", "^/_matrix/client/v1/media/", "^/_matrix/federation/v1/media/"], WorkerKind.Media, "first");

    /// <summary>The media admin API, which only a media-capable process serves once the main process stops serving media.</summary>
    public static readonly WorkerRoute MediaAdmin = new("media_admin", [
        "^/_synapse/admin/v1/purge_media_cache$", "^/_synapse/admin/v1/room/.*/media.*$", "^/_synapse/admin/v1/user/.*/media.*$",
        "^/_synapse/admin/v1/media/.*$", "^/_synapse/admin/v1/quarantine_media/.*$", "^/_synapse/admin/v1/users/.*/media$",
    ], WorkerKind.Media, "first");

    private static readonly System.Text.RegularExpressions.Regex MediaPaths = new(Media.Regex + "|" + MediaAdmin.Regex, System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Whether a path (with or without its leading slash, query allowed) is the media worker's: media, and the media admin API.</summary>
    public static bool ServedByMediaWorker(string path)
    {
        var bare = path.Split('?', 2)[0];
        return MediaPaths.IsMatch(bare.StartsWith('/') ? bare : "/" + bare);
    }

    /// <summary>The public routes of a layout, in the order the proxy tries them (the admin ones are for the panel, not the proxy).</summary>
    public static IReadOnlyList<WorkerRoute> For(WorkerLayout layout) =>
        new[] { Sync, FederationSend, Federation, ClientApi, ClientReads, Media }
            .Where(r => r.Kind == WorkerKind.Generic ? layout.GenericWorkers > 0 : layout.MediaWorker).ToList();
}
