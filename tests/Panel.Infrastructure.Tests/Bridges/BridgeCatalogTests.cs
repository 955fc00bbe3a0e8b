using Panel.Domain.Bridges;
using Panel.Infrastructure.Bridges;
using Panel.Testing;
using YamlDotNet.RepresentationModel;

namespace Panel.Infrastructure.Tests.Bridges;

/// <summary>
/// Golden tests: for every catalog entry, the registration and the config the panel writes are
/// compared with files checked in under Golden/. Run with UPDATE_GOLDEN=1 to rewrite them after an
/// intended change, and read the diff.
/// </summary>
public sealed class BridgeCatalogTests
{
    private static readonly BridgeCatalog Catalog = BridgeCatalog.Load();

    public static TheoryData<string> EntryIds()
    {
        var data = new TheoryData<string>();
        foreach (var e in Catalog.Entries)
        {
            data.Add(e.Id);
        }

        return data;
    }

    [Fact]
    public void The_catalog_has_the_mautrix_bridges_heisenbridge_and_the_echo_bridge()
    {
        Catalog.Entries.Select(e => e.Id).Order().ShouldBe(["discord", "echo", "gmessages", "heisenbridge", "meta", "signal", "slack", "telegram", "whatsapp"]);
        foreach (var id in new[] { "signal", "telegram", "whatsapp", "discord", "slack", "meta", "gmessages" })
        {
            var e = Catalog.Find(id)!;
            e.Definition.Image.ShouldStartWith($"dock.mau.dev/mautrix/{id}:v");
            e.Definition.Database.ShouldBe(BridgeDatabaseNeed.Postgres);
            e.Definition.BotLocalpart.ShouldBe(id + "bot");
        }

        Catalog.Find("echo")!.Definition.BotLocalpart.ShouldBe("echobot");
        Catalog.Find("echo")!.Definition.IsTestBridge.ShouldBeTrue();
    }

    [Fact]
    public void Every_entry_pins_its_image_tag_and_has_a_distinct_port_and_login_instructions()
    {
        foreach (var e in Catalog.Entries)
        {
            var tag = e.Definition.Image[(e.Definition.Image.LastIndexOf('/') + 1)..];
            tag.ShouldContain(':', customMessage: $"{e.Id} must pin a tag");
            tag.ShouldNotEndWith(":latest", customMessage: $"{e.Id} must pin a tag, not latest");
            e.Definition.Instructions("example.org").ShouldContain($"@{e.Definition.BotLocalpart}:example.org");
        }

        Catalog.Entries.Select(e => e.Definition.Port).Distinct().Count().ShouldBe(Catalog.Entries.Count);
    }

    [Theory]
    [MemberData(nameof(EntryIds))]
    public void The_registration_matches_its_golden_file(string id)
    {
        var entry = Catalog.Find(id)!;
        var registration = BridgeFilesGenerator.Registration(
            AppServiceRegistration.For(entry.Definition, "example.org", $"http://hsp-bridge-{id}:{entry.Definition.Port}", "AS_TOKEN", "HS_TOKEN"),
            entry.RegistrationExtra);
        GoldenFile.Check($"{id}.registration.yaml", registration);

        BridgeFilesGenerator.Lookup(registration, "id").ShouldBe(new YamlScalarNode(id));
        BridgeFilesGenerator.Lookup(registration, "rate_limited").ShouldBe(new YamlScalarNode("false"));
        BridgeFilesGenerator.Lookup(registration, "sender_localpart").ShouldBe(new YamlScalarNode(entry.Definition.BotLocalpart));
        var users = (YamlSequenceNode)BridgeFilesGenerator.Lookup(registration, "namespaces.users")!;
        users.Children.ShouldAllBe(u => ((YamlScalarNode)((YamlMappingNode)u)["exclusive"]).Value == "true");
    }

    [Theory]
    [MemberData(nameof(EntryIds))]
    public void The_config_matches_its_golden_file_and_has_the_keys_the_bridge_requires(string id)
    {
        var entry = Catalog.Find(id)!;
        var context = Context(entry);
        var config = BridgeFilesGenerator.Config(entry, context);
        if (entry.Files.Config is null)
        {
            // Heisenbridge reads its registration as its config: the required keys are checked there.
            config.ShouldBeNull();
            var registration = BridgeFilesGenerator.Registration(
                AppServiceRegistration.For(entry.Definition, "example.org", "http://x:1", "AS_TOKEN", "HS_TOKEN"), entry.RegistrationExtra);
            foreach (var key in entry.Definition.RequiredConfigKeys)
            {
                BridgeFilesGenerator.Lookup(registration, key).ShouldNotBeNull($"{id}: {key}");
            }

            GoldenFile.Check($"{id}.command.txt", string.Join('\n', BridgeFilesGenerator.Command(entry, context)!) + "\n");
            return;
        }

        GoldenFile.Check($"{id}.config.yaml", config!);
        entry.Definition.RequiredConfigKeys.ShouldNotBeEmpty();
        foreach (var key in entry.Definition.RequiredConfigKeys)
        {
            BridgeFilesGenerator.Lookup(config!, key).ShouldNotBeNull($"{id}: the config lacks {key}");
        }

        config!.ShouldNotContain("${", customMessage: "every placeholder is filled in");
    }

    [Fact]
    public void A_bridgev2_config_points_the_bridge_at_the_homeserver_database_and_owner()
    {
        var entry = Catalog.Find("telegram")!;
        var config = BridgeFilesGenerator.Config(entry, Context(entry))!;
        Value(config, "homeserver.address").ShouldBe("http://synapse:8008");
        Value(config, "homeserver.domain").ShouldBe("example.org");
        Value(config, "appservice.address").ShouldBe("http://hsp-bridge-telegram:29317");
        Value(config, "appservice.port").ShouldBe("29317");
        Value(config, "appservice.as_token").ShouldBe("AS_TOKEN");
        Value(config, "database.type").ShouldBe("postgres");
        Value(config, "database.uri").ShouldBe("postgres://bridge_telegram:secret@db/bridge_telegram?sslmode=disable");
        Value(config, "bridge.permissions.example\\.org").ShouldBeNull(); // keys are not regexes
        var permissions = (YamlMappingNode)BridgeFilesGenerator.Lookup(config, "bridge.permissions")!;
        permissions.Children.ToDictionary(k => ((YamlScalarNode)k.Key).Value!, v => ((YamlScalarNode)v.Value).Value)
            .ShouldBe(new Dictionary<string, string?> { ["example.org"] = "user", ["@alice:example.org"] = "admin" });
        // A number stays a number, text stays text.
        ((YamlScalarNode)BridgeFilesGenerator.Lookup(config, "network.api_id")!).Style.ShouldBe(YamlDotNet.Core.ScalarStyle.Plain);
        Value(config, "network.api_hash").ShouldBe("0123456789abcdef0123456789abcdef");
        Value(config, "appservice.username_template").ShouldBe("telegram_{{.}}");
    }

    [Fact]
    public void Settings_cannot_inject_yaml()
    {
        var entry = Catalog.Find("telegram")!;
        var context = Context(entry) with { Settings = new Dictionary<string, string> { ["app_id"] = "123", ["app_hash"] = "x\"\nappservice:\n  as_token: evil" } };
        var config = BridgeFilesGenerator.Config(entry, context)!;
        Value(config, "network.api_hash").ShouldBe("x\"\nappservice:\n  as_token: evil");
        Value(config, "appservice.as_token").ShouldBe("AS_TOKEN");
    }

    [Fact]
    public void On_a_homeserver_without_postgres_a_bridge_uses_sqlite_in_its_volume()
    {
        var entry = Catalog.Find("signal")!;
        var config = BridgeFilesGenerator.Config(entry, Context(entry) with { Database = BridgeDatabaseKind.Sqlite, DatabaseUri = "file:/data/signal.db?_txlock=immediate" })!;
        Value(config, "database.type").ShouldBe("sqlite3-fk-wal");
        Value(config, "database.uri").ShouldBe("file:/data/signal.db?_txlock=immediate");
    }

    [Fact]
    public void Heisenbridge_gets_its_owner_on_the_command_line_and_none_when_not_given()
    {
        var entry = Catalog.Find("heisenbridge")!;
        BridgeFilesGenerator.Command(entry, Context(entry))!.ShouldContain("@alice:example.org");
        var without = BridgeFilesGenerator.Command(entry, Context(entry) with { Owner = null })!;
        without.ShouldNotContain("-o");
        without[^1].ShouldBe("http://synapse:8008");
    }

    [Fact]
    public void A_broken_catalog_file_is_refused_with_its_name_and_reason()
    {
        Should.Throw<InvalidOperationException>(() => BridgeCatalog.Parse(new Dictionary<string, string> { ["x.yaml"] = "id: x\n" }))
            .Message.ShouldContain("x");
        Should.Throw<InvalidOperationException>(() => BridgeCatalog.Parse(new Dictionary<string, string>
        {
            ["bad.yaml"] = "id: bad\nname: Bad\nnetwork: N\nimage: i:1\nport: 1\nbot: {localpart: b}\nuserPrefix: b_\nfiles: {config: c.yaml}\nconfig: {a: '${settings.nope}'}\n",
        })).Message.ShouldContain("settings.nope");
        Should.Throw<InvalidOperationException>(() => BridgeCatalog.Parse(new Dictionary<string, string> { ["y.yaml"] = "id: [unclosed" }))
            .Message.ShouldContain("y.yaml");
    }

    private static BridgeContext Context(BridgeCatalogEntry entry) => new()
    {
        ServerName = "example.org",
        HomeserverAddress = "http://synapse:8008",
        AppServiceAddress = $"http://hsp-bridge-{entry.Id}:{entry.Definition.Port}",
        AsToken = "AS_TOKEN",
        HsToken = "HS_TOKEN",
        Database = entry.Definition.Database == BridgeDatabaseNeed.Postgres ? BridgeDatabaseKind.Postgres : BridgeDatabaseKind.None,
        DatabaseUri = entry.Definition.Database == BridgeDatabaseNeed.Postgres ? $"postgres://bridge_{entry.Id}:secret@db/bridge_{entry.Id}?sslmode=disable" : "",
        Owner = "@alice:example.org",
        Settings = entry.Id switch
        {
            "telegram" => new Dictionary<string, string> { ["app_id"] = "123456", ["app_hash"] = "0123456789abcdef0123456789abcdef" },
            "meta" => new Dictionary<string, string> { ["mode"] = "instagram" },
            _ => new Dictionary<string, string>(),
        },
        Randoms = BridgeFilesGenerator.RandomNames(entry).ToDictionary(n => n, n => "RANDOM_" + n.ToUpperInvariant()),
    };

    private static string? Value(string yaml, string key) => (BridgeFilesGenerator.Lookup(yaml, key) as YamlScalarNode)?.Value;
}
