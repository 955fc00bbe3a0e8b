using System.Text.Json;
using System.Text.RegularExpressions;
using Panel.Domain.Common;
using Panel.Domain.History;

namespace Panel.Infrastructure.Slack;

// The export's JSON: people, channels and messages, read field by field (the format is Slack's, documented and not ours to type).
public sealed partial class SlackExportReader
{
    private JsonDocument ReadJson(string name)
    {
        var entry = _entries[name];
        if (entry.Length > MaxJsonBytes)
        {
            throw new DomainException($"{name} is {new ByteSize(entry.Length)}: too large for one file of an export.");
        }

        try
        {
            using var stream = entry.Open();
            return JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new DomainException($"{name} is not valid JSON ({e.Message}): the export is damaged.");
        }
        catch (InvalidDataException e)
        {
            throw new DomainException($"{name} cannot be unpacked ({e.Message}): the ZIP is damaged or cut short.");
        }
    }

    private List<SlackPerson> ReadPeople()
    {
        using var doc = ReadJson("users.json");
        return [.. doc.RootElement.EnumerateArray().Select(u =>
        {
            var profile = u.TryGetProperty("profile", out var p) ? p : default;
            return new SlackPerson(Str(u, "id") ?? "", Str(u, "name") ?? Str(u, "id") ?? "?", Str(u, "real_name") ?? Str(profile, "real_name"),
                Str(profile, "display_name"), Str(profile, "email"), Bool(u, "deleted"), Bool(u, "is_bot") || Str(u, "id") == "USLACKBOT",
                Str(profile, "image_192") ?? Str(profile, "image_72"));
        }).Where(p => p.Id.Length > 0)];
    }

    private List<SlackChannel> ReadChannels()
    {
        var channels = new List<SlackChannel>();
        foreach (var (file, kind) in new[] { ("channels.json", SlackChannelKind.Public), ("groups.json", SlackChannelKind.Private), ("mpims.json", SlackChannelKind.Group), ("dms.json", SlackChannelKind.Direct) })
        {
            if (!_entries.ContainsKey(file))
            {
                continue;
            }

            using var doc = ReadJson(file);
            foreach (var c in doc.RootElement.EnumerateArray())
            {
                var id = Str(c, "id");
                if (id is null)
                {
                    continue;
                }

                // DMs have no name: their folder is their ID.
                var name = Str(c, "name") ?? id;
                if (name.Contains('/', StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
                {
                    throw new DomainException($"A channel in {file} is named '{name}', which is not a folder of the export.");
                }

                var members = c.TryGetProperty("members", out var m) && m.ValueKind == JsonValueKind.Array ? m.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToList() : [];
                channels.Add(new SlackChannel(id, name, kind, Nested(c, "topic"), Nested(c, "purpose"),
                    c.TryGetProperty("created", out var created) && created.TryGetInt64(out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null,
                    Bool(c, "is_archived"), members));
            }
        }

        return channels;
    }

    private SlackMessage? ToMessage(JsonElement m)
    {
        var ts = Str(m, "ts");
        if (!SlackNames.IsTs(ts) || Str(m, "type") is { } type && type != "message")
        {
            return null;
        }

        var reactions = m.TryGetProperty("reactions", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => new SlackReaction(Str(x, "name") ?? "", x.TryGetProperty("users", out var u) && u.ValueKind == JsonValueKind.Array ? [.. u.EnumerateArray().Select(y => y.GetString() ?? "")] : []))
                .Where(x => x.Name.Length > 0).ToList()
            : [];
        var files = m.TryGetProperty("files", out var f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Select(x => Str(x, "id") is { } fid
                ? new SlackFile(fid, Str(x, "name") ?? Str(x, "title") ?? fid, Str(x, "title"), Str(x, "mimetype"),
                    x.TryGetProperty("size", out var size) && size.TryGetInt64(out var bytes) ? bytes : null, _filesById.GetValueOrDefault(fid))
                : null).Where(x => x is not null).Select(x => x!).ToList()
            : [];
        var bot = m.TryGetProperty("bot_profile", out var bp) ? Str(bp, "name") : Str(m, "username");
        return new SlackMessage(ts!, Str(m, "user"), bot, Str(m, "subtype"), Str(m, "text") ?? "", Str(m, "thread_ts") is { } t && SlackNames.IsTs(t) ? t : null,
            m.TryGetProperty("edited", out _), reactions, files);
    }

    /// <summary>
    /// Files included by export tools: in a channel's <c>attachments</c> folder as <c>F0123-name</c>,
    /// or under <c>__uploads/F0123/name</c>. Any path part that is a file's ID, or starts with it and
    /// a dash, names that file.
    /// </summary>
    private static Dictionary<string, string> IndexFiles(IEnumerable<string> names)
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names.Where(n => !n.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var part in name.Split('/'))
            {
                var match = FileId().Match(part);
                if (match.Success)
                {
                    index.TryAdd(match.Groups[1].Value, name);
                    break;
                }
            }
        }

        return index;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static string? Nested(JsonElement e, string name) => e.TryGetProperty(name, out var v) && Str(v, "value") is { Length: > 0 } s ? s : null;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}\.json$")]
    private static partial Regex DayFile();

    [GeneratedRegex(@"^(F[A-Z0-9]{6,})(?:-|$)")]
    private static partial Regex FileId();
}
