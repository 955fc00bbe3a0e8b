using System.Globalization;
using System.Security.Cryptography;
using Panel.Domain.Homeserver;
using YamlDotNet.Serialization;

namespace Panel.Infrastructure.Synapse;

/// <summary>What goes into homeserver.yaml. The panel owns the file and writes all of it each time.</summary>
public sealed record SynapseConfigInput
{
    public required string ServerName { get; init; }

    public required string PublicBaseUrl { get; init; }

    public required HomeserverDatabase Database { get; init; }

    public string DatabaseHost { get; init; } = "db";

    public string DatabaseName { get; init; } = "synapse";

    public string DatabaseUser { get; init; } = "synapse";

    public string DatabasePassword { get; init; } = "";

    public required string RegistrationSharedSecret { get; init; }

    public required string MacaroonSecretKey { get; init; }

    public required string FormSecret { get; init; }

    /// <summary>Caches, presence and the remote-room limit (the container's limit is not in the file).</summary>
    public MemorySettings Memory { get; init; } = MemorySettings.Generated(HomeserverDeployment.DefaultMemoryLimitBytes, 0.5);

    /// <summary>Message retention: purged after a lifetime, server-wide and per room (off: kept forever).</summary>
    public MessageRetention Retention { get; init; } = MessageRetention.Off;

    /// <summary>Media deleted by Synapse after a lifetime unused (off: kept forever).</summary>
    public MediaRetention MediaRetention { get; init; } = MediaRetention.Off;

    /// <summary>Registration is open only to holders of a registration token (invites by token).</summary>
    public bool RegistrationTokens { get; init; }

    /// <summary>Appservice registration files (bridges), as paths inside the container.</summary>
    public IReadOnlyList<string> AppServiceConfigFiles { get; init; } = [];

    /// <summary>Users allowed to list rooms in the room directory (Synapse lets nobody, admins included, without a rule).</summary>
    public IReadOnlyList<string> DirectoryPublishers { get; init; } = [];

    /// <summary>The processes Synapse runs as; with workers, where they find each other.</summary>
    public WorkerLayout Workers { get; init; } = WorkerLayout.Monolith;

    public WorkerNetwork? WorkerNetwork { get; init; }

    /// <summary>CA certificates trusted for federation instead of the system's, one file each (Synapse reads one certificate per file).</summary>
    public IReadOnlyList<string> FederationCaFiles { get; init; } = [];

    /// <summary>Extra top-level settings, merged last (from Panel:Homeserver:SynapseConfig).</summary>
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();
}

/// <summary>Writes Synapse's homeserver.yaml and signing key.</summary>
public static class SynapseConfig
{
    public const string DataDirectory = "/data";
    public const string ConfigPath = "/data/homeserver.yaml";
    public const string SigningKeyFile = "signing.key";
    public const string FederationCaDirectory = "federation-ca";
    public const int ClientPort = 8008;

    /// <summary>UID and GID that Synapse runs as in both the official and the Debian-built image.</summary>
    public const int SynapseUid = 991;

    public static string Generate(SynapseConfigInput input)
    {
        var config = new Dictionary<string, object?>
        {
            ["server_name"] = input.ServerName,
            ["public_baseurl"] = input.PublicBaseUrl,
            ["pid_file"] = "/data/homeserver.pid",
            ["listeners"] = new List<object>
            {
                new Dictionary<string, object?>
                {
                    ["port"] = ClientPort,
                    ["bind_addresses"] = new List<string> { "0.0.0.0" },
                    ["type"] = "http",
                    ["tls"] = false,
                    // The panel (and the user's reverse proxy) sit in front of Synapse.
                    ["x_forwarded"] = true,
                    // Metrics on the same listener as the admin API, which a reverse proxy must not
                    // forward either: the panel reads request counts from them (memory comparisons).
                    ["resources"] = new List<object> { new Dictionary<string, object?> { ["names"] = new List<string> { "client", "federation", "metrics" }, ["compress"] = false } },
                },
            },
            ["database"] = input.Database == HomeserverDatabase.Postgres
                ? new Dictionary<string, object?>
                {
                    ["name"] = "psycopg2",
                    ["args"] = new Dictionary<string, object?>
                    {
                        ["user"] = input.DatabaseUser,
                        ["password"] = input.DatabasePassword,
                        ["database"] = input.DatabaseName,
                        ["host"] = input.DatabaseHost,
                        ["port"] = 5432,
                        ["cp_min"] = 2,
                        ["cp_max"] = 10,
                    },
                }
                : new Dictionary<string, object?>
                {
                    ["name"] = "sqlite3",
                    ["args"] = new Dictionary<string, object?> { ["database"] = "/data/homeserver.db" },
                },
            ["media_store_path"] = "/data/media_store",
            ["signing_key_path"] = "/data/" + SigningKeyFile,
            ["registration_shared_secret"] = input.RegistrationSharedSecret,
            ["macaroon_secret_key"] = input.MacaroonSecretKey,
            ["form_secret"] = input.FormSecret,
            ["report_stats"] = false,
            ["enable_metrics"] = true,
            ["trusted_key_servers"] = new List<object> { new Dictionary<string, object?> { ["server_name"] = "matrix.org" } },
            ["suppress_key_server_warning"] = true,
            ["caches"] = Caches(input.Memory),
            ["presence"] = new Dictionary<string, object?> { ["enabled"] = input.Memory.Presence },
            ["enable_registration"] = input.RegistrationTokens,
            ["registration_requires_token"] = input.RegistrationTokens,
            ["app_service_config_files"] = input.AppServiceConfigFiles.ToList(),
            ["max_upload_size"] = "50M",
            ["url_preview_enabled"] = false,
            // Lets the panel send alerts to the owner as messages from the server itself.
            ["server_notices"] = new Dictionary<string, object?>
            {
                ["system_mxid_localpart"] = "panel-notices",
                ["system_mxid_display_name"] = "Server notices",
                ["room_name"] = "Server notices",
            },
        };
        if (!input.Workers.IsMonolith)
        {
            ((List<object>)config["listeners"]!).Add(SynapseWorkerConfig.ReplicationListener());
            foreach (var (key, value) in SynapseWorkerConfig.SharedSettings(input.Workers, input.WorkerNetwork ?? throw new InvalidOperationException("Workers need their network.")))
            {
                config[key] = value;
            }
        }

        if (input.FederationCaFiles.Count > 0)
        {
            config["federation_custom_ca_list"] = input.FederationCaFiles.ToList();
        }

        if (input.DirectoryPublishers.Count > 0)
        {
            // Without rules Synapse lets nobody publish; these let only the listed users, as before for everyone else.
            config["room_list_publication_rules"] = input.DirectoryPublishers
                .Select(u => (object)new Dictionary<string, object?> { ["user_id"] = u, ["alias"] = "*", ["room_id"] = "*", ["action"] = "allow" })
                .Append(new Dictionary<string, object?> { ["action"] = "deny" }).ToList();
        }

        if (input.Memory.RemoteRoomComplexityLimit is { } complexity)
        {
            config["limit_remote_rooms"] = new Dictionary<string, object?>
            {
                ["enabled"] = true,
                ["complexity"] = complexity,
                ["complexity_error"] = MemoryProfiles.ComplexityError(complexity),
                ["admins_can_join"] = true,
            };
        }

        if (input.Retention.Enabled)
        {
            config["retention"] = Retention(input.Retention);
        }

        if (input.MediaRetention.Enabled)
        {
            var media = new Dictionary<string, object?>();
            if (input.MediaRetention.RemoteMediaDays is { } remote)
            {
                media["remote_media_lifetime"] = $"{remote}d";
            }

            if (input.MediaRetention.LocalMediaDays is { } local)
            {
                media["local_media_lifetime"] = $"{local}d";
            }

            config["media_retention"] = media;
        }

        foreach (var (key, value) in input.Extra)
        {
            config[key] = value;
        }

        var yaml = new SerializerBuilder().Build().Serialize(config);
        return "# Written by Homeserver Panel. Changes made here are replaced on the next install, upgrade or setting change.\n" + yaml;
    }

    /// <summary>
    /// Synapse's retention block. A room may not ask for less than a day (a typo would purge its
    /// history within hours); the purge job runs every 12 hours for every room.
    /// </summary>
    private static Dictionary<string, object?> Retention(MessageRetention r)
    {
        var block = new Dictionary<string, object?>
        {
            ["enabled"] = true,
            ["allowed_lifetime_min"] = $"{MessageRetention.MinimumDays}d",
            ["purge_jobs"] = new List<object> { new Dictionary<string, object?> { ["interval"] = "12h" } },
        };
        if (r.DefaultMaxLifetimeDays is { } days)
        {
            block["default_policy"] = new Dictionary<string, object?> { ["max_lifetime"] = $"{days}d" };
        }

        if (r.AllowedMaxLifetimeDays is { } max)
        {
            block["allowed_lifetime_max"] = $"{max}d";
        }

        return block;
    }

    private static Dictionary<string, object?> Caches(MemorySettings memory)
    {
        var caches = new Dictionary<string, object?>
        {
            ["global_factor"] = memory.CacheFactor,
            ["event_cache_size"] = memory.EventCacheSize,
        };
        if (memory.CacheAutotuning)
        {
            // Synapse reads sizes with a unit suffix and durations like "5m".
            caches["cache_autotuning"] = new Dictionary<string, object?>
            {
                ["max_cache_memory_usage"] = Mebibytes(memory.MaxCacheMemoryBytes!.Value),
                ["target_cache_memory_usage"] = Mebibytes(memory.TargetCacheMemoryBytes!.Value),
                ["min_cache_ttl"] = memory.MinCacheTtlSeconds!.Value.ToString(CultureInfo.InvariantCulture) + "s",
            };
        }

        return caches;
    }

    private static string Mebibytes(long bytes) => (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "M";

    /// <summary>
    /// A new Synapse signing key: Synapse keeps only the 32-byte ed25519 seed, base64 without padding,
    /// after the algorithm and a key id, so the seed is all that must be random.
    /// </summary>
    public static string NewSigningKey()
    {
        var seed = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        return $"ed25519 a_{id} {seed}\n";
    }

    public static string NewSecret(int bytes = 32) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Turns a configuration section (Panel:Homeserver:SynapseConfig) into YAML values: numbers and
    /// booleans typed, nested sections as maps, numbered children as lists.
    /// </summary>
    public static object? FromConfiguration(Microsoft.Extensions.Configuration.IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return Scalar(section.Value);
        }

        if (children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(FromConfiguration).ToList();
        }

        return children.ToDictionary(c => c.Key, FromConfiguration);
    }

    private static object? Scalar(string? value)
    {
        if (value is null)
        {
            return null;
        }

        // A configuration value cannot be an empty list otherwise (trusted_key_servers: [] for a closed federation).
        if (value.Trim() == "[]")
        {
            return new List<object?>();
        }

        if (bool.TryParse(value, out var b))
        {
            return b;
        }

        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        return value;
    }
}
