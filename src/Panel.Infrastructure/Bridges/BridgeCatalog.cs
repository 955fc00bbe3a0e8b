using System.Globalization;
using System.Text.RegularExpressions;
using Panel.Domain.Bridges;
using YamlDotNet.RepresentationModel;

namespace Panel.Infrastructure.Bridges;

/// <summary>Where a bridge's files go in its volume, and who owns them.</summary>
public sealed record BridgeFiles(int Uid, int Gid, string? Config, string? Registration);

/// <summary>A catalog entry with what only the infrastructure needs: the templates, the command, the probe.</summary>
public sealed record BridgeCatalogEntry(
    BridgeDefinition Definition,
    BridgeFiles Files,
    YamlMappingNode? ConfigTemplate,
    IReadOnlyList<string>? Command,
    string? ReadyPath,
    YamlMappingNode? RegistrationExtra)
{
    public string Id => Definition.Id;
}

/// <summary>
/// The bridge catalog: YAML files kept in the repository (embedded in this assembly) plus, when
/// configured, a directory of the owner's own entries. Adding a bridge is adding a file.
/// </summary>
public sealed partial class BridgeCatalog
{
    public const string DataDirectory = "/data";
    private const string ResourcePrefix = "Panel.Infrastructure.Bridges.Catalog.";

    private readonly Lazy<Dictionary<string, BridgeCatalogEntry>> _entries;

    private BridgeCatalog(Func<IEnumerable<BridgeCatalogEntry>> entries) =>
        _entries = new(() => entries().ToDictionary(e => e.Id, StringComparer.Ordinal));

    /// <summary>The entries, the real bridges first, by name.</summary>
    public IReadOnlyList<BridgeCatalogEntry> Entries =>
        _entries.Value.Values.OrderBy(e => e.Definition.IsTestBridge).ThenBy(e => e.Definition.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public BridgeCatalogEntry? Find(string? id) => id is not null && _entries.Value.TryGetValue(id.Trim(), out var e) ? e : null;

    /// <summary>The built-in catalog, plus the entries of <paramref name="extraDirectory"/> when given.</summary>
    public static BridgeCatalog Load(string? extraDirectory = null) => Parse(ReadFiles(extraDirectory));

    /// <summary>
    /// The catalog read and parsed when first asked for. Parsing loads YamlDotNet, which a panel whose
    /// owner never opens the bridges page does not need (issue 25); an extra directory's entries are
    /// checked at startup by <see cref="BridgeOptionsValidator"/> all the same.
    /// </summary>
    public static BridgeCatalog OnFirstUse(string? extraDirectory) => new(() => Parse(ReadFiles(extraDirectory))._entries.Value.Values);

    private static Dictionary<string, string> ReadFiles(string? extraDirectory)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var assembly = typeof(BridgeCatalog).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            files[name[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }

        if (!string.IsNullOrWhiteSpace(extraDirectory))
        {
            if (!Directory.Exists(extraDirectory))
            {
                throw new InvalidOperationException($"The bridge catalog directory {extraDirectory} does not exist.");
            }

            foreach (var path in Directory.EnumerateFiles(extraDirectory, "*.yaml"))
            {
                files[Path.GetFileName(path)] = File.ReadAllText(path);
            }
        }

        return files;
    }

    /// <summary>Parses catalog files by file name; names starting with "_" are bases for <c>extends</c>.</summary>
    public static BridgeCatalog Parse(IReadOnlyDictionary<string, string> files)
    {
        var documents = new Dictionary<string, YamlMappingNode>(StringComparer.Ordinal);
        foreach (var (file, text) in files)
        {
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                documents[Path.GetFileNameWithoutExtension(file)] = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                    ? m
                    : throw new InvalidOperationException("it must hold one YAML mapping");
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException)
            {
                throw new InvalidOperationException($"The bridge catalog file {file} is not valid: {e.Message}", e);
            }
        }

        var entries = new List<BridgeCatalogEntry>();
        foreach (var (name, document) in documents.Where(d => !d.Key.StartsWith('_')))
        {
            try
            {
                var merged = document;
                if (Text(document, "extends") is { } baseName)
                {
                    merged = documents.TryGetValue(baseName, out var b)
                        ? YamlMerge.Merge(b, document)
                        : throw new InvalidOperationException($"it extends '{baseName}', which does not exist");

                    // Required keys add up: the base's, and the entry's own network section.
                    var required = new YamlSequenceNode((Strings(b, "requiredKeys") ?? []).Concat(Strings(document, "requiredKeys") ?? []).Distinct().Select(k => new YamlScalarNode(k)));
                    merged.Children[new YamlScalarNode("requiredKeys")] = required;
                }

                entries.Add(ToEntry(merged));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                throw new InvalidOperationException($"The bridge catalog entry {name} is not valid: {e.Message}", e);
            }
        }

        var duplicate = entries.GroupBy(e => e.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two bridge catalog entries have the id '{duplicate.Key}'.");
        }

        return new BridgeCatalog(() => entries);
    }

    private static BridgeCatalogEntry ToEntry(YamlMappingNode m)
    {
        var id = Required(m, "id");
        if (!IdPattern().IsMatch(id))
        {
            throw new InvalidOperationException($"id '{id}' must be lowercase letters, digits and dashes (2 to 30)");
        }

        var port = int.Parse(Required(m, "port"), CultureInfo.InvariantCulture);
        if (port is < 1 or > 65535)
        {
            throw new InvalidOperationException("port must be between 1 and 65535");
        }

        var bot = Map(m, "bot") ?? throw new InvalidOperationException("bot is required");
        var botLocalpart = Required(bot, "localpart");
        var userPrefix = Required(m, "userPrefix");
        if (!LocalpartPattern().IsMatch(botLocalpart) || !LocalpartPattern().IsMatch(userPrefix))
        {
            throw new InvalidOperationException("bot.localpart and userPrefix must be valid Matrix localparts");
        }

        var database = (Text(m, "database") ?? "none") switch
        {
            "postgres" => BridgeDatabaseNeed.Postgres,
            "sqlite" => BridgeDatabaseNeed.Sqlite,
            "none" => BridgeDatabaseNeed.None,
            var other => throw new InvalidOperationException($"database '{other}' must be postgres, sqlite or none"),
        };

        var files = Map(m, "files");
        var definition = new BridgeDefinition
        {
            Id = id,
            Name = Required(m, "name"),
            Network = Required(m, "network"),
            Description = Text(m, "description")?.Trim() ?? "",
            Image = Required(m, "image"),
            Port = port,
            BotLocalpart = botLocalpart,
            BotDisplayName = Text(bot, "displayname"),
            UserPrefix = userPrefix,
            Database = database,
            Settings = (Node(m, "settings") as YamlSequenceNode)?.Children.Select(ToSetting).ToList() ?? [],
            LoginInstructions = (Text(m, "login") ?? "").Trim(),
            DocumentationUrl = Text(m, "documentation"),
            RequiredConfigKeys = Strings(m, "requiredKeys") ?? [],
            IsTestBridge = Text(m, "test") == "true",
        };

        var keys = definition.Settings.Select(s => s.Key).ToList();
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count || keys.Any(k => !SettingKeyPattern().IsMatch(k)))
        {
            throw new InvalidOperationException("setting keys must be unique lowercase identifiers");
        }

        var entry = new BridgeCatalogEntry(
            definition,
            new BridgeFiles(
                int.Parse(Text(files, "uid") ?? "0", CultureInfo.InvariantCulture),
                int.Parse(Text(files, "gid") ?? "0", CultureInfo.InvariantCulture),
                Text(files, "config"),
                Text(files, "registration")),
            Map(m, "config"),
            Strings(m, "command"),
            Text(m, "ready"),
            Map(m, "registrationExtra"));
        if (entry.Files.Config is not null && entry.ConfigTemplate is null)
        {
            throw new InvalidOperationException("files.config is set but there is no config template");
        }

        foreach (var placeholder in BridgeFilesGenerator.Placeholders(entry))
        {
            if (placeholder.StartsWith("settings.", StringComparison.Ordinal) && !keys.Contains(placeholder["settings.".Length..]))
            {
                throw new InvalidOperationException($"${{{placeholder}}} names a setting that the entry does not declare");
            }

            if (!BridgeFilesGenerator.IsKnownPlaceholder(placeholder))
            {
                throw new InvalidOperationException($"${{{placeholder}}} is not a placeholder the panel knows");
            }
        }

        return entry;
    }

    private static BridgeSetting ToSetting(YamlNode node)
    {
        var m = node as YamlMappingNode ?? throw new InvalidOperationException("each setting must be a mapping");
        return new BridgeSetting
        {
            Key = Required(m, "key"),
            Label = Required(m, "label"),
            Type = (Text(m, "type") ?? "text") switch
            {
                "text" => BridgeSettingType.Text,
                "integer" => BridgeSettingType.WholeNumber,
                "secret" => BridgeSettingType.Secret,
                "choice" => BridgeSettingType.Choice,
                var other => throw new InvalidOperationException($"setting type '{other}' must be text, integer, secret or choice"),
            },
            Required = Text(m, "required") == "true",
            Help = Text(m, "help"),
            Default = Text(m, "default"),
            Pattern = Text(m, "pattern"),
            PatternMessage = Text(m, "patternMessage"),
            Choices = Strings(m, "choices") ?? [],
            Min = Text(m, "min") is { } min ? long.Parse(min, CultureInfo.InvariantCulture) : null,
            Max = Text(m, "max") is { } max ? long.Parse(max, CultureInfo.InvariantCulture) : null,
        };
    }

    private static YamlNode? Node(YamlMappingNode? m, string key) =>
        m is not null && m.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

    private static YamlMappingNode? Map(YamlMappingNode? m, string key) => Node(m, key) as YamlMappingNode;

    private static string? Text(YamlMappingNode? m, string key) => (Node(m, key) as YamlScalarNode)?.Value is { Length: > 0 } v ? v : null;

    private static string Required(YamlMappingNode m, string key) => Text(m, key) ?? throw new InvalidOperationException($"{key} is required");

    private static List<string>? Strings(YamlMappingNode m, string key) =>
        (Node(m, key) as YamlSequenceNode)?.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new InvalidOperationException($"{key} must be a list of text")).ToList();

    [GeneratedRegex("^[a-z][a-z0-9-]{1,29}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9._=/+-]+$")]
    private static partial Regex LocalpartPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex SettingKeyPattern();
}

/// <summary>Deep merge of YAML mappings: the overlay's keys win; mappings merge, everything else is replaced.</summary>
internal static class YamlMerge
{
    public static YamlMappingNode Merge(YamlMappingNode @base, YamlMappingNode overlay)
    {
        var result = new YamlMappingNode();
        foreach (var (key, value) in @base.Children)
        {
            result.Add(key, overlay.Children.TryGetValue(key, out var o)
                ? value is YamlMappingNode bm && o is YamlMappingNode om ? Merge(bm, om) : o
                : value);
        }

        foreach (var (key, value) in overlay.Children.Where(c => !@base.Children.ContainsKey(c.Key)))
        {
            result.Add(key, value);
        }

        return result;
    }
}
