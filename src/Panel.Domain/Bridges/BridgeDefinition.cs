using System.Globalization;
using System.Text.RegularExpressions;
using Panel.Domain.Common;

namespace Panel.Domain.Bridges;

/// <summary>What database a bridge needs.</summary>
public enum BridgeDatabaseNeed
{
    /// <summary>It keeps its state elsewhere (or in memory).</summary>
    None = 0,

    /// <summary>Its own PostgreSQL database in the homeserver's database container; SQLite when the homeserver has none.</summary>
    Postgres = 1,

    /// <summary>A SQLite file in its own volume.</summary>
    Sqlite = 2,
}

public enum BridgeSettingType
{
    Text = 0,
    WholeNumber = 1,
    Secret = 2,
    Choice = 3,
}

/// <summary>A value the owner gives when installing a bridge, such as Telegram's app_id.</summary>
public sealed record BridgeSetting
{
    public required string Key { get; init; }

    public required string Label { get; init; }

    public BridgeSettingType Type { get; init; } = BridgeSettingType.Text;

    public bool Required { get; init; }

    public string? Help { get; init; }

    public string? Default { get; init; }

    /// <summary>A regular expression the whole value must match (text and secret settings).</summary>
    public string? Pattern { get; init; }

    /// <summary>What to say when <see cref="Pattern"/> does not match.</summary>
    public string? PatternMessage { get; init; }

    public IReadOnlyList<string> Choices { get; init; } = [];

    public long? Min { get; init; }

    public long? Max { get; init; }

    public int MaxLength { get; init; } = 500;
}

/// <summary>
/// One entry of the bridge catalog: everything needed to install a bridge, kept as data (the
/// infrastructure loads it from YAML files) so that adding a bridge is not code.
/// </summary>
public sealed record BridgeDefinition
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    /// <summary>The network it bridges to, for people: "Signal", "IRC".</summary>
    public required string Network { get; init; }

    public string Description { get; init; } = "";

    /// <summary>The image with a pinned tag.</summary>
    public required string Image { get; init; }

    /// <summary>The port on which the bridge receives transactions from the homeserver.</summary>
    public required int Port { get; init; }

    public required string BotLocalpart { get; init; }

    public string? BotDisplayName { get; init; }

    /// <summary>Localpart prefix of the users the bridge puppets (exclusive namespace), like "signal_".</summary>
    public required string UserPrefix { get; init; }

    public BridgeDatabaseNeed Database { get; init; }

    public IReadOnlyList<BridgeSetting> Settings { get; init; } = [];

    /// <summary>How to start using the bridge; {bot} is the bot's Matrix ID and {server} the server name.</summary>
    public string LoginInstructions { get; init; } = "";

    /// <summary>A link to the bridge's own documentation.</summary>
    public string? DocumentationUrl { get; init; }

    /// <summary>Dotted keys that the bridge's example config requires (checked by the golden tests).</summary>
    public IReadOnlyList<string> RequiredConfigKeys { get; init; } = [];

    /// <summary>True for bridges that exist to test the wiring (the echo bridge).</summary>
    public bool IsTestBridge { get; init; }

    public string BotUserId(string serverName) => $"@{BotLocalpart}:{serverName}";

    public string Instructions(string serverName) =>
        LoginInstructions.Replace("{bot}", BotUserId(serverName), StringComparison.Ordinal).Replace("{server}", serverName, StringComparison.Ordinal);

    /// <summary>
    /// Checks what the owner gave against <see cref="Settings"/>: unknown keys, missing required values,
    /// wrong types and patterns are refused together, in one message, before anything is created.
    /// Returns the values to use (defaults filled in, text trimmed).
    /// </summary>
    public IReadOnlyDictionary<string, string> ValidateSettings(IReadOnlyDictionary<string, string?>? given)
    {
        given ??= new Dictionary<string, string?>();
        var problems = new List<string>();
        var known = Settings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in given.Keys.Where(k => !known.Contains(k)))
        {
            problems.Add(Settings.Count == 0
                ? $"{Name} takes no settings, but '{key}' was given."
                : $"'{key}' is not a setting of {Name} (it takes {string.Join(", ", known)}).");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in Settings)
        {
            var raw = given.TryGetValue(setting.Key, out var v) ? v : null;
            var value = setting.Type == BridgeSettingType.Secret ? raw : raw?.Trim();
            if (string.IsNullOrWhiteSpace(value))
            {
                value = setting.Default;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                if (setting.Required)
                {
                    problems.Add($"{setting.Label} ({setting.Key}) is required.");
                }

                continue;
            }

            if (value.Length > setting.MaxLength)
            {
                problems.Add($"{setting.Label} ({setting.Key}) must be at most {setting.MaxLength} characters.");
                continue;
            }

            switch (setting.Type)
            {
                case BridgeSettingType.WholeNumber:
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                    {
                        problems.Add($"{setting.Label} ({setting.Key}) must be a whole number, not '{Shorten(value)}'.");
                        continue;
                    }

                    if (number < (setting.Min ?? long.MinValue) || number > (setting.Max ?? long.MaxValue))
                    {
                        problems.Add($"{setting.Label} ({setting.Key}) must be between {setting.Min} and {setting.Max}.");
                        continue;
                    }

                    value = number.ToString(CultureInfo.InvariantCulture);
                    break;
                case BridgeSettingType.Choice:
                    if (!setting.Choices.Contains(value, StringComparer.Ordinal))
                    {
                        problems.Add($"{setting.Label} ({setting.Key}) must be one of {string.Join(", ", setting.Choices)}.");
                        continue;
                    }

                    break;
                default:
                    if (value.Any(char.IsControl))
                    {
                        problems.Add($"{setting.Label} ({setting.Key}) must be one line of text.");
                        continue;
                    }

                    if (setting.Pattern is { } pattern && !Regex.IsMatch(value, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
                    {
                        problems.Add($"{setting.Label} ({setting.Key}) {setting.PatternMessage ?? "has the wrong format"}.");
                        continue;
                    }

                    break;
            }

            values[setting.Key] = value;
        }

        if (problems.Count > 0)
        {
            throw new BridgeSettingsException(problems);
        }

        return values;
    }

    private static string Shorten(string value) => value.Length <= 20 ? value : value[..20] + "…";
}

/// <summary>The settings given for a bridge are wrong; <see cref="Problems"/> lists each.</summary>
public sealed class BridgeSettingsException : DomainException
{
    public BridgeSettingsException(IReadOnlyList<string> problems) : base(string.Join(" ", problems)) => Problems = problems;

    public BridgeSettingsException() : base("The bridge settings are not valid.") => Problems = [];

    public BridgeSettingsException(string message) : base(message) => Problems = [message];

    public BridgeSettingsException(string message, Exception inner) : base(message, inner) => Problems = [message];

    public IReadOnlyList<string> Problems { get; }
}
