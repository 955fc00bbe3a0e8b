using Microsoft.Extensions.Configuration;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;
using Panel.Testing;
using YamlDotNet.RepresentationModel;

namespace Panel.Infrastructure.Tests.Synapse;

public sealed class SynapseConfigTests
{
    private static SynapseConfigInput Input(HomeserverDatabase db, bool tokens = false) => new()
    {
        ServerName = "example.org",
        PublicBaseUrl = "https://matrix.example.org/",
        Database = db,
        DatabasePassword = "db-secret",
        RegistrationSharedSecret = "shared-secret",
        MacaroonSecretKey = "macaroon",
        FormSecret = "form",
        Memory = MemorySettings.Generated(HomeserverDeployment.DefaultMemoryLimitBytes, 0.25),
        RegistrationTokens = tokens,
        AppServiceConfigFiles = ["/data/appservices/echo.yaml"],
    };

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return ((YamlScalarNode)node).Value!;
    }

    [Fact]
    public void Generate_listens_on_all_addresses_on_port_8008_with_everything_under_data()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite)));

        var listener = (YamlMappingNode)((YamlSequenceNode)yaml.Children[new YamlScalarNode("listeners")])[0];
        Scalar(listener, "port").ShouldBe("8008");
        ((YamlScalarNode)((YamlSequenceNode)listener.Children[new YamlScalarNode("bind_addresses")])[0]).Value.ShouldBe("0.0.0.0");
        Scalar(yaml, "media_store_path").ShouldStartWith("/data/");
        Scalar(yaml, "signing_key_path").ShouldBe("/data/signing.key");
        Scalar(yaml, "database", "name").ShouldBe("sqlite3");
        Scalar(yaml, "database", "args", "database").ShouldBe("/data/homeserver.db");
        Scalar(yaml, "server_name").ShouldBe("example.org");
        Scalar(yaml, "public_baseurl").ShouldBe("https://matrix.example.org/");
        Scalar(yaml, "registration_shared_secret").ShouldBe("shared-secret");
        Scalar(yaml, "caches", "global_factor").ShouldBe("0.25");
        Scalar(yaml, "enable_registration").ShouldBe("false");
    }

    [Fact]
    public void Only_the_listed_publishers_may_list_rooms_in_the_directory_and_without_any_Synapses_default_stays()
    {
        Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite))).Children.ShouldNotContainKey(new YamlScalarNode("room_list_publication_rules"));

        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { DirectoryPublishers = ["@slack-history:example.org"] }));

        var rules = (YamlSequenceNode)yaml.Children[new YamlScalarNode("room_list_publication_rules")];
        rules.Children.Count.ShouldBe(2);
        Scalar(rules[0], "user_id").ShouldBe("@slack-history:example.org");
        Scalar(rules[0], "action").ShouldBe("allow");
        Scalar(rules[1], "action").ShouldBe("deny");
    }

    [Fact]
    public void Retention_is_written_only_when_on_with_its_lifetimes_a_one_day_floor_and_a_purge_job()
    {
        Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite))).Children.ShouldNotContainKey(new YamlScalarNode("retention"));
        Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { Retention = new MessageRetention(false, 30) })).Children.ShouldNotContainKey(new YamlScalarNode("retention"));

        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { Retention = new MessageRetention(true, 365, 730) }));

        Scalar(yaml, "retention", "enabled").ShouldBe("true");
        Scalar(yaml, "retention", "default_policy", "max_lifetime").ShouldBe("365d");
        Scalar(yaml, "retention", "allowed_lifetime_max").ShouldBe("730d");
        Scalar(yaml, "retention", "allowed_lifetime_min").ShouldBe("1d");
        var jobs = (YamlSequenceNode)((YamlMappingNode)yaml.Children[new YamlScalarNode("retention")]).Children[new YamlScalarNode("purge_jobs")];
        Scalar(jobs[0], "interval").ShouldBe("12h");

        var noDefault = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { Retention = new MessageRetention(true) }));
        ((YamlMappingNode)noDefault.Children[new YamlScalarNode("retention")]).Children.ShouldNotContainKey(new YamlScalarNode("default_policy"));
    }

    [Fact]
    public void Media_retention_is_written_only_when_a_lifetime_is_set_and_only_the_lifetimes_set()
    {
        Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite))).Children.ShouldNotContainKey(new YamlScalarNode("media_retention"));

        var remoteOnly = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { MediaRetention = new MediaRetention(RemoteMediaDays: 90) }));
        Scalar(remoteOnly, "media_retention", "remote_media_lifetime").ShouldBe("90d");
        ((YamlMappingNode)remoteOnly.Children[new YamlScalarNode("media_retention")]).Children.ShouldNotContainKey(new YamlScalarNode("local_media_lifetime"));

        var both = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { MediaRetention = new MediaRetention(30, 365) }));
        Scalar(both, "media_retention", "local_media_lifetime").ShouldBe("365d");
    }

    [Fact]
    public void Generate_for_PostgreSQL_points_at_the_database_container()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Postgres)));

        Scalar(yaml, "database", "name").ShouldBe("psycopg2");
        Scalar(yaml, "database", "args", "host").ShouldBe("db");
        Scalar(yaml, "database", "args", "password").ShouldBe("db-secret");
        Scalar(yaml, "database", "args", "database").ShouldBe("synapse");
    }

    [Fact]
    public void Generate_with_registration_tokens_opens_registration_only_to_token_holders()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite, tokens: true)));

        Scalar(yaml, "enable_registration").ShouldBe("true");
        Scalar(yaml, "registration_requires_token").ShouldBe("true");
    }

    [Fact]
    public void Generate_lists_the_appservice_registrations()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite)));

        ((YamlScalarNode)((YamlSequenceNode)yaml.Children[new YamlScalarNode("app_service_config_files")])[0]).Value.ShouldBe("/data/appservices/echo.yaml");
    }

    [Fact]
    public void New_signing_key_is_an_ed25519_seed_in_synapses_format()
    {
        var parts = SynapseConfig.NewSigningKey().Trim().Split(' ');

        parts[0].ShouldBe("ed25519");
        parts[1].ShouldStartWith("a_");
        Convert.FromBase64String(parts[2] + "=").Length.ShouldBe(32);
    }

    [Fact]
    public void Shared_secret_mac_matches_synapses_algorithm()
    {
        // HMAC-SHA1(key="secret", "nonce\0alice\0pass\0admin"), computed independently.
        var mac = System.Security.Cryptography.HMACSHA1.HashData("secret"u8.ToArray(), "nonce\0alice\0pass\0admin"u8.ToArray());

        SynapseAdminFactory.Mac("secret", "nonce", "alice", "pass", admin: true).ShouldBe(Convert.ToHexStringLower(mac));
        SynapseAdminFactory.Mac("secret", "nonce", "alice", "pass", admin: false).ShouldNotBe(Convert.ToHexStringLower(mac));
    }

    [Theory]
    [InlineData(MemoryProfile.Small)]
    [InlineData(MemoryProfile.Balanced)]
    [InlineData(MemoryProfile.Roomy)]
    public void Each_profile_writes_its_caches_presence_and_room_limit(MemoryProfile profile)
    {
        var memory = MemoryProfiles.For(profile, HomeserverDeployment.DefaultMemoryLimitBytes, 4L << 30, jemalloc: true);

        GoldenFile.Check($"homeserver.{profile.ToString().ToLowerInvariant()}.yaml", SynapseConfig.Generate(Input(HomeserverDatabase.Postgres) with { Memory = memory }));
    }

    [Fact]
    public void The_config_before_profiles_keeps_Synapses_defaults_with_presence_on()
    {
        var yaml = SynapseConfig.Generate(Input(HomeserverDatabase.Postgres));

        GoldenFile.Check("homeserver.generated.yaml", yaml);
        Scalar(Parse(yaml), "presence", "enabled").ShouldBe("true");
        yaml.ShouldNotContain("cache_autotuning");
        yaml.ShouldNotContain("limit_remote_rooms");
    }

    [Fact]
    public void Small_reads_back_as_Synapse_expects_it()
    {
        var memory = MemoryProfiles.For(MemoryProfile.Small, HomeserverDeployment.DefaultMemoryLimitBytes, 4L << 30, jemalloc: true);
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with { Memory = memory }));

        Scalar(yaml, "caches", "global_factor").ShouldBe("0.1");
        Scalar(yaml, "caches", "event_cache_size").ShouldBe("2000");
        Scalar(yaml, "caches", "cache_autotuning", "max_cache_memory_usage").ShouldBe("410M");
        Scalar(yaml, "caches", "cache_autotuning", "target_cache_memory_usage").ShouldBe("307M");
        Scalar(yaml, "caches", "cache_autotuning", "min_cache_ttl").ShouldBe("60s");
        Scalar(yaml, "presence", "enabled").ShouldBe("false");
        Scalar(yaml, "limit_remote_rooms", "complexity").ShouldBe("1");
        Scalar(yaml, "limit_remote_rooms", "complexity_error").ShouldContain("more than 500 state events");
    }

    [Fact]
    public void A_private_federations_ca_files_are_listed_one_per_certificate_and_an_empty_list_can_be_configured()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["x:trusted_key_servers"] = "[]" }).Build();
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite) with
        {
            FederationCaFiles = ["/data/federation-ca/000.pem", "/data/federation-ca/001.pem"],
            Extra = new Dictionary<string, object?> { ["trusted_key_servers"] = SynapseConfig.FromConfiguration(config.GetSection("x:trusted_key_servers")) },
        }));

        ((YamlSequenceNode)yaml.Children[new YamlScalarNode("federation_custom_ca_list")]).Select(n => ((YamlScalarNode)n).Value)
            .ShouldBe(["/data/federation-ca/000.pem", "/data/federation-ca/001.pem"]);
        ((YamlSequenceNode)yaml.Children[new YamlScalarNode("trusted_key_servers")]).Children.ShouldBeEmpty();
        Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite))).Children.ShouldNotContainKey(new YamlScalarNode("federation_custom_ca_list"));
    }
}
