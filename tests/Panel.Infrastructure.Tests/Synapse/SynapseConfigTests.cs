using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;
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
        CacheFactor = 0.25,
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
    public void Generate_ListensOnAllAddressesOnPort8008_WithEverythingUnderData()
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
    public void Generate_ForPostgres_PointsAtTheDatabaseContainer()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Postgres)));

        Scalar(yaml, "database", "name").ShouldBe("psycopg2");
        Scalar(yaml, "database", "args", "host").ShouldBe("db");
        Scalar(yaml, "database", "args", "password").ShouldBe("db-secret");
        Scalar(yaml, "database", "args", "database").ShouldBe("synapse");
    }

    [Fact]
    public void Generate_WithRegistrationTokens_OpensRegistrationOnlyToTokenHolders()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite, tokens: true)));

        Scalar(yaml, "enable_registration").ShouldBe("true");
        Scalar(yaml, "registration_requires_token").ShouldBe("true");
    }

    [Fact]
    public void Generate_ListsTheAppserviceRegistrations()
    {
        var yaml = Parse(SynapseConfig.Generate(Input(HomeserverDatabase.Sqlite)));

        ((YamlScalarNode)((YamlSequenceNode)yaml.Children[new YamlScalarNode("app_service_config_files")])[0]).Value.ShouldBe("/data/appservices/echo.yaml");
    }

    [Fact]
    public void NewSigningKey_IsAnEd25519SeedInSynapsesFormat()
    {
        var parts = SynapseConfig.NewSigningKey().Trim().Split(' ');

        parts[0].ShouldBe("ed25519");
        parts[1].ShouldStartWith("a_");
        Convert.FromBase64String(parts[2] + "=").Length.ShouldBe(32);
    }

    [Fact]
    public void SharedSecretMac_MatchesSynapsesAlgorithm()
    {
        // HMAC-SHA1(key="secret", "nonce\0alice\0pass\0admin"), computed independently.
        var mac = System.Security.Cryptography.HMACSHA1.HashData("secret"u8.ToArray(), "nonce\0alice\0pass\0admin"u8.ToArray());

        SynapseAdminFactory.Mac("secret", "nonce", "alice", "pass", admin: true).ShouldBe(Convert.ToHexStringLower(mac));
        SynapseAdminFactory.Mac("secret", "nonce", "alice", "pass", admin: false).ShouldNotBe(Convert.ToHexStringLower(mac));
    }
}
