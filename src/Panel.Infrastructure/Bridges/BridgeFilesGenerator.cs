using System.Globalization;
using System.Text.RegularExpressions;
using Panel.Domain.Bridges;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Panel.Infrastructure.Bridges;

/// <summary>What the panel knows when it writes a bridge's files; the values of the ${...} placeholders.</summary>
public sealed record BridgeContext
{
    public required string ServerName { get; init; }

    /// <summary>The homeserver's client API on the internal network, e.g. http://synapse:8008.</summary>
    public required string HomeserverAddress { get; init; }

    /// <summary>Where the homeserver reaches the bridge, e.g. http://hsp-bridge-signal:29328.</summary>
    public required string AppServiceAddress { get; init; }

    public required string AsToken { get; init; }

    public required string HsToken { get; init; }

    public BridgeDatabaseKind Database { get; init; }

    public string DatabaseUri { get; init; } = "";

    /// <summary>The owner's Matrix ID, who gets admin rights in the bridge; null when not given.</summary>
    public string? Owner { get; init; }

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Values generated once per install (pickle keys, shared secrets), by name.</summary>
    public IReadOnlyDictionary<string, string> Randoms { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Writes a bridge's appservice registration and config with YamlDotNet. The config template is the
/// catalog's YAML; a scalar that is exactly <c>${name}</c> becomes that value with its own type (a
/// number, a string, or for <c>${permissions}</c> a mapping), and placeholders inside longer text
/// are replaced as text. Values are never spliced into YAML source, so no setting can inject keys.
/// </summary>
public static partial class BridgeFilesGenerator
{
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "homeserver.address", "homeserver.domain", "appservice.address", "appservice.port", "appservice.id",
        "appservice.as_token", "appservice.hs_token", "bot.localpart", "bot.displayname", "user_prefix",
        "database.type", "database.uri", "permissions", "owner", "data",
    };

    public static bool IsKnownPlaceholder(string name) =>
        Known.Contains(name) || name.StartsWith("settings.", StringComparison.Ordinal) || name.StartsWith("random.", StringComparison.Ordinal);

    /// <summary>Every placeholder the entry's config template and command use.</summary>
    public static IReadOnlySet<string> Placeholders(BridgeCatalogEntry entry)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in Scalars(entry.ConfigTemplate).Concat(entry.Command ?? []))
        {
            foreach (Match m in PlaceholderPattern().Matches(text))
            {
                found.Add(m.Groups[1].Value);
            }
        }

        return found;
    }

    /// <summary>The names of the <c>${random.x}</c> values the entry needs generated.</summary>
    public static IReadOnlyList<string> RandomNames(BridgeCatalogEntry entry) =>
        Placeholders(entry).Where(p => p.StartsWith("random.", StringComparison.Ordinal)).Select(p => p["random.".Length..]).Order(StringComparer.Ordinal).ToList();

    public static string Registration(AppServiceRegistration registration, YamlMappingNode? extra)
    {
        var root = new YamlMappingNode
        {
            { "id", Quoted(registration.Id) },
            // No URL: Synapse pushes nothing to an appservice that only writes.
            { "url", registration.Url is { } url ? Quoted(url) : Plain("null") },
            { "as_token", Quoted(registration.AsToken) },
            { "hs_token", Quoted(registration.HsToken) },
            { "sender_localpart", Quoted(registration.SenderLocalpart) },
            { "rate_limited", Plain(registration.RateLimited ? "true" : "false") },
            {
                "namespaces", new YamlMappingNode
                {
                    { "users", new YamlSequenceNode(registration.UserRegexes.Select(r => (YamlNode)new YamlMappingNode { { "regex", Quoted(r) }, { "exclusive", Plain("true") } })) },
                    { "aliases", new YamlSequenceNode() },
                    { "rooms", new YamlSequenceNode() },
                }
            },
        };
        if (registration.ReceiveEphemeral)
        {
            // The stable name and the unstable one that older homeservers and bridges read.
            root.Add("receive_ephemeral", Plain("true"));
            root.Add("de.sorunome.msc2409.push_ephemeral", Plain("true"));
        }

        if (extra is not null)
        {
            root = YamlMerge.Merge(root, extra);
        }

        return Header("appservice registration") + Serialize(root);
    }

    /// <summary>The bridge's config file, or null when the entry has none.</summary>
    public static string? Config(BridgeCatalogEntry entry, BridgeContext context)
    {
        if (entry.ConfigTemplate is null || entry.Files.Config is null)
        {
            return null;
        }

        var variables = Variables(entry, context);
        return Header("config") + Serialize(Fill(entry.ConfigTemplate, variables));
    }

    /// <summary>The container's command (arguments to the image's entry point), or null to keep the image's.</summary>
    public static IReadOnlyList<string>? Command(BridgeCatalogEntry entry, BridgeContext context)
    {
        if (entry.Command is null)
        {
            return null;
        }

        var variables = Variables(entry, context);
        var result = new List<string>();
        foreach (var arg in entry.Command)
        {
            var value = Interpolate(arg, variables);
            if (value.Length == 0 && result.Count > 0 && result[^1].StartsWith('-'))
            {
                // An option whose value is empty (no owner given, say) is left out with its flag.
                result.RemoveAt(result.Count - 1);
                continue;
            }

            result.Add(value);
        }

        return result;
    }

    /// <summary>Reads a dotted key (a.b.c) of a YAML document; null when absent.</summary>
    public static YamlNode? Lookup(string yaml, string dottedKey)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        YamlNode? node = stream.Documents[0].RootNode;
        foreach (var part in dottedKey.Split('.'))
        {
            if (node is not YamlMappingNode m || !m.Children.TryGetValue(new YamlScalarNode(part), out node))
            {
                return null;
            }
        }

        return node;
    }

    private static Dictionary<string, YamlNode> Variables(BridgeCatalogEntry entry, BridgeContext c)
    {
        var d = entry.Definition;
        var permissions = new YamlMappingNode { { Quoted(c.ServerName), Quoted("user") } };
        if (!string.IsNullOrWhiteSpace(c.Owner))
        {
            permissions.Add(Quoted(c.Owner), Quoted("admin"));
        }

        var variables = new Dictionary<string, YamlNode>(StringComparer.Ordinal)
        {
            ["homeserver.address"] = Quoted(c.HomeserverAddress),
            ["homeserver.domain"] = Quoted(c.ServerName),
            ["appservice.address"] = Quoted(c.AppServiceAddress),
            ["appservice.port"] = Plain(d.Port.ToString(CultureInfo.InvariantCulture)),
            ["appservice.id"] = Quoted(d.Id),
            ["appservice.as_token"] = Quoted(c.AsToken),
            ["appservice.hs_token"] = Quoted(c.HsToken),
            ["bot.localpart"] = Quoted(d.BotLocalpart),
            ["bot.displayname"] = Quoted(d.BotDisplayName ?? d.Name),
            ["user_prefix"] = Quoted(d.UserPrefix),
            ["database.type"] = Quoted(c.Database == BridgeDatabaseKind.Postgres ? "postgres" : "sqlite3-fk-wal"),
            ["database.uri"] = Quoted(c.DatabaseUri),
            ["permissions"] = permissions,
            ["owner"] = Quoted(c.Owner ?? ""),
            ["data"] = Quoted(BridgeCatalog.DataDirectory),
        };
        foreach (var setting in d.Settings)
        {
            var value = c.Settings.TryGetValue(setting.Key, out var v) ? v : "";
            variables["settings." + setting.Key] = setting.Type == BridgeSettingType.WholeNumber && value.Length > 0 ? Plain(value) : Quoted(value);
        }

        foreach (var (name, value) in c.Randoms)
        {
            variables["random." + name] = Quoted(value);
        }

        return variables;
    }

    private static YamlNode Fill(YamlNode node, IReadOnlyDictionary<string, YamlNode> variables) => node switch
    {
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(kv => new KeyValuePair<YamlNode, YamlNode>(kv.Key, Fill(kv.Value, variables)))),
        YamlSequenceNode s => new YamlSequenceNode(s.Children.Select(c => Fill(c, variables))),
        YamlScalarNode { Value: { } text } scalar => WholePlaceholderPattern().Match(text) is { Success: true } whole
            ? variables.TryGetValue(whole.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"No value for ${{{whole.Groups[1].Value}}}.")
            : PlaceholderPattern().IsMatch(text) ? Quoted(Interpolate(text, variables)) : scalar,
        _ => node,
    };

    private static string Interpolate(string text, IReadOnlyDictionary<string, YamlNode> variables) =>
        PlaceholderPattern().Replace(text, m => variables.TryGetValue(m.Groups[1].Value, out var v) && v is YamlScalarNode s
            ? s.Value ?? ""
            : throw new InvalidOperationException($"No text value for ${{{m.Groups[1].Value}}}."));

    private static IEnumerable<string> Scalars(YamlNode? node) => node switch
    {
        YamlMappingNode m => m.Children.Values.SelectMany(Scalars),
        YamlSequenceNode s => s.Children.SelectMany(Scalars),
        YamlScalarNode { Value: { } v } => [v],
        _ => [],
    };

    private static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };

    private static YamlScalarNode Plain(string value) => new(value) { Style = ScalarStyle.Plain };

    private static string Serialize(YamlNode root)
    {
        var document = new YamlDocument(root);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(document).Save(writer, assignAnchors: false);
        // YamlStream ends a document with "...": harmless, but not what people expect to read.
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static string Header(string what) => $"# The {what} of this bridge, written by Homeserver Panel. It is rewritten on upgrade and repair.\n";

    [GeneratedRegex(@"\$\{([a-z_]+(?:\.[a-z_]+)*)\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^\$\{([a-z_]+(?:\.[a-z_]+)*)\}$")]
    private static partial Regex WholePlaceholderPattern();
}
