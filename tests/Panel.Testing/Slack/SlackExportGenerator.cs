using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Panel.Testing.Slack;

/// <summary>
/// Writes a realistic Slack export in Slack's documented format, invented from a seed (no real
/// workspace's data): public channels, a private channel, a DM, messages over two years with
/// threads, edits, reactions, mentions and links, files included by an export tool (in the
/// channel's <c>attachments</c> folder) and files that are only links, a deleted user and a bot.
/// </summary>
public static class SlackExportGenerator
{
    /// <summary>
    /// The export's size; <c>AvatarBase</c> is where people's avatars are (Slack's export links them on
    /// its own servers), none when null; <c>From</c> is the first day, <see cref="Start"/> when null.
    /// </summary>
    public sealed record Shape(int Messages = 5200, int Days = 730, int People = 12, int Seed = 11, string? AvatarBase = null, DateTimeOffset? From = null)
    {
        public static Shape Small { get; } = new(Messages: 240, Days: 60, People: 6);
    }

    /// <summary>What was written, for tests to check the import against.</summary>
    public sealed record Written(string Path, IReadOnlyList<string> Channels, int Messages, int Replies, int Edited, int Reactions, int FilesIncluded, int FilesLinked, DateTimeOffset First, DateTimeOffset Last);

    public static readonly DateTimeOffset Start = new(2024, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public static Written Write(string path, Shape? shape = null)
    {
        var s = shape ?? new Shape();
        var start = s.From ?? Start;
        var random = new Random(s.Seed);
        var people = Enumerable.Range(0, s.People).Select(i => $"U{i + 1:D3}PERSON").ToList();
        const string deleted = "U999GONE";
        const string bot = "B001BOT";
        var channels = new (string Id, string Name, string Kind)[] { ("C001GENERAL", "general", "public"), ("C002RANDOM", "random", "public"), ("C003DEV", "dev", "public"), ("G001CORE", "core-team", "private"), ("D001DM", "D001DM", "dm") };
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Json(zip, "users.json", new JsonArray([
            .. people.Select((id, i) => (JsonNode)new JsonObject
            {
                ["id"] = id, ["name"] = $"person{i + 1}", ["real_name"] = $"Person {i + 1}", ["deleted"] = false,
                ["profile"] = new JsonObject
                {
                    ["display_name"] = i % 3 == 0 ? $"P{i + 1}" : "", ["real_name"] = $"Person {i + 1}", ["email"] = $"person{i + 1}@example.test",
                    ["image_192"] = s.AvatarBase is { } avatars ? $"{avatars}/avatars/{id}.png" : null,
                },
            }),
            new JsonObject { ["id"] = deleted, ["name"] = "gone", ["real_name"] = "Former Member", ["deleted"] = true, ["profile"] = new JsonObject { ["real_name"] = "Former Member" } },
            new JsonObject { ["id"] = bot, ["name"] = "deploybot", ["is_bot"] = true, ["profile"] = new JsonObject { ["real_name"] = "Deploy Bot" } },
        ]));
        Json(zip, "channels.json", new JsonArray([.. channels.Where(c => c.Kind == "public").Select(c => (JsonNode)Channel(c.Id, c.Name, people, start))]));
        Json(zip, "groups.json", new JsonArray([.. channels.Where(c => c.Kind == "private").Select(c => (JsonNode)Channel(c.Id, c.Name, people.Take(4), start))]));
        Json(zip, "dms.json", new JsonArray(new JsonObject { ["id"] = "D001DM", ["created"] = start.ToUnixTimeSeconds(), ["members"] = new JsonArray(people[0], people[1]) }));

        int messages = 0, replies = 0, edited = 0, reactions = 0, included = 0, linked = 0;
        DateTimeOffset first = DateTimeOffset.MaxValue, last = DateTimeOffset.MinValue;
        var perChannel = s.Messages / channels.Length;
        foreach (var (id, name, kind) in channels)
        {
            var speakers = kind switch { "private" => people.Take(4).ToList(), "dm" => people.Take(2).ToList(), _ => people.Append(deleted).ToList() };
            var days = new SortedDictionary<string, JsonArray>(StringComparer.Ordinal);
            var threadRoots = new List<string>();
            var second = 0;
            for (var i = 0; i < perChannel; i++)
            {
                var time = start.AddDays(i * (double)s.Days / perChannel).AddSeconds(second++ % 3600);
                var ts = Ts(time, i);
                var user = speakers[random.Next(speakers.Count)];
                var message = new JsonObject { ["type"] = "message", ["user"] = user, ["text"] = Text(random, people, i), ["ts"] = ts };
                // Every 7th message starts a thread, the next few may answer it.
                if (threadRoots.Count > 0 && random.Next(4) == 0)
                {
                    message["thread_ts"] = threadRoots[^1];
                    message["parent_user_id"] = people[0];
                    replies++;
                }
                else if (i % 7 == 0)
                {
                    message["thread_ts"] = ts;
                    message["reply_count"] = 1;
                    threadRoots.Add(ts);
                }

                if (i % 11 == 0)
                {
                    message["edited"] = new JsonObject { ["user"] = user, ["ts"] = Ts(time.AddMinutes(2), i) };
                    edited++;
                }

                if (i % 9 == 0)
                {
                    message["reactions"] = new JsonArray(new JsonObject { ["name"] = i % 2 == 0 ? "thumbsup" : "tada", ["users"] = new JsonArray(people[1], people[2]), ["count"] = 2 });
                    reactions++;
                }

                if (kind == "public" && i % 97 == 0)
                {
                    // A bot's message, as Slack exports them.
                    message.Remove("user");
                    message["subtype"] = "bot_message";
                    message["bot_id"] = bot;
                    message["username"] = "deploybot";
                    message["text"] = $"Deployed build {i}";
                }

                if (i % 23 == 0)
                {
                    var fileId = $"F{id[1..4]}{i:D5}";
                    var present = i / 23 % 2 == 0;
                    var fileName = present ? $"chart-{i}.png" : $"notes-{i}.pdf";
                    message["files"] = new JsonArray(new JsonObject
                    {
                        ["id"] = fileId, ["name"] = fileName, ["title"] = fileName, ["mimetype"] = present ? "image/png" : "application/pdf",
                        ["size"] = present ? Png.Length : 2048, ["url_private"] = $"https://files.slack.com/files-pri/T0-{fileId}/{fileName}",
                    });
                    if (present)
                    {
                        var entry = zip.CreateEntry($"{name}/attachments/{fileId}-{fileName}");
                        using var stream = entry.Open();
                        stream.Write(Png);
                        included++;
                    }
                    else
                    {
                        linked++;
                    }
                }

                var day = time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                (days.TryGetValue(day, out var list) ? list : days[day] = []).Add(message);
                messages++;
                first = time < first ? time : first;
                last = time > last ? time : last;
            }

            // A join, as Slack records one: housekeeping, not a message.
            days.First().Value.Insert(0, new JsonObject { ["type"] = "message", ["subtype"] = "channel_join", ["user"] = people[0], ["text"] = $"<@{people[0]}> has joined the channel", ["ts"] = Ts(start.AddSeconds(-5), 0) });
            foreach (var (day, list) in days)
            {
                Json(zip, $"{name}/{day}.json", list);
            }
        }

        return new Written(path, [.. channels.Select(c => c.Name)], messages, replies, edited, reactions, included, linked, first, last);
    }

    /// <summary>A one-pixel PNG: a file the import uploads and sends as an image.</summary>
    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private static string Ts(DateTimeOffset time, int n) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "." + (n % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    private static JsonObject Channel(string id, string name, IEnumerable<string> members, DateTimeOffset created) => new()
    {
        ["id"] = id, ["name"] = name, ["created"] = created.ToUnixTimeSeconds(), ["creator"] = "U001PERSON", ["is_archived"] = false,
        ["members"] = new JsonArray([.. members.Select(m => (JsonNode)m)]),
        ["topic"] = new JsonObject { ["value"] = $"All about {name}" }, ["purpose"] = new JsonObject { ["value"] = $"The {name} channel" },
    };

    private static string Text(Random random, IReadOnlyList<string> people, int i) => (i % 5) switch
    {
        0 => $"Hello <@{people[random.Next(people.Count)]}>, have a look at <https://example.org/page/{i}|page {i}>",
        1 => $"*Important*: meeting at {i % 24}:00 &amp; bring _notes_",
        2 => $"Message number {i} in plain words",
        3 => $"Code: `x &lt; {i}` and ~wrong~ right",
        _ => $"See <#C001GENERAL|general> for more ({i})",
    };

    private static void Json(ZipArchive zip, string name, JsonNode node)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var stream = entry.Open();
        using var writer = new Utf8JsonWriter(stream);
        node.WriteTo(writer);
    }
}
