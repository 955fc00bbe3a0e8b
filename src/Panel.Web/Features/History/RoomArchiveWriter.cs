using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>
/// Writes one room's archive as a ZIP: <c>events.jsonl</c> (the timeline, oldest first, one event a
/// line), <c>state.json</c>, <c>media/</c> (the files the events reference), <c>room.json</c>, and
/// <c>index.html</c>, which shows the conversation from the unpacked folder with no server and no
/// network. Streams page by page: a room of a million events takes no more memory than one of ten.
/// </summary>
public sealed class RoomArchiveWriter(IHomeserverAdmin admin, string roomId, DateTimeOffset now)
{
    private const int PageSize = 500;

    public static readonly IReadOnlyList<(string, string)> Steps =
    [
        ("state", "Read the room's state"),
        ("events", "Read its timeline"),
        ("media", "Download the files it references"),
        ("page", "Write the offline page"),
    ];

    /// <summary>What is said of an encrypted room, in room.json and at the top of its page.</summary>
    public const string EncryptedNotice =
        "This room is end-to-end encrypted: the server holds only ciphertext, so this archive has the room's state and each event's metadata (who, when, what kind), not the messages. " +
        "To keep their text, export the room from a client that holds the keys (Element: Room info → Export chat).";

    public sealed record Result(int Events, int Media, int MediaMissing, bool Encrypted, string? Name);

    public async Task<Result> WriteAsync(Stream output, OperationContext progress, CancellationToken cancellationToken)
    {
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        progress.Start("state");
        var state = await admin.GetRoomStateAsync(roomId, cancellationToken);
        var name = Content(state, "m.room.name")?["name"]?.GetValue<string>();
        var topic = Content(state, "m.room.topic")?["topic"]?.GetValue<string>();
        var alias = Content(state, "m.room.canonical_alias")?["alias"]?.GetValue<string>();
        var encrypted = Content(state, "m.room.encryption") is not null;
        await WriteJsonAsync(zip, "state.json", new JsonArray([.. state.Select(e => (JsonNode)e.DeepClone())]), cancellationToken);
        progress.Done("state", $"{state.Count} state events" + (encrypted ? "; the room is encrypted" : ""));

        progress.Start("events");
        var media = new SortedSet<string>(StringComparer.Ordinal);
        var lines = Path.GetTempFileName();
        int count;
        try
        {
            await using (var page = new FileStream(lines, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var entry = zip.CreateEntry("events.jsonl", CompressionLevel.Optimal);
                await using var jsonl = entry.Open();
                count = 0;
                string? from = null;
                do
                {
                    var batch = await admin.GetRoomEventsAsync(roomId, from, PageSize, cancellationToken);
                    foreach (var e in batch.Events)
                    {
                        var line = Encoding.UTF8.GetBytes(e.ToJsonString() + "\n");
                        await jsonl.WriteAsync(line, cancellationToken);
                        await page.WriteAsync(line, cancellationToken);
                        CollectMedia(e, media);
                        count++;
                    }

                    progress.Progress("events", null, $"{count:N0} events");
                    from = batch.Next;
                }
                while (from is not null);
            }

            progress.Done("events", $"{count:N0} events");

            progress.Start("media");
            var files = new JsonObject();
            var missing = 0;
            var done = 0;
            foreach (var mxc in media)
            {
                await using var file = await admin.DownloadMediaAsync(mxc, cancellationToken);
                if (file is null)
                {
                    missing++;
                }
                else
                {
                    var path = "media/" + MediaFileName(mxc);
                    await using (var target = zip.CreateEntry(path, CompressionLevel.Fastest).Open())
                    {
                        await file.Content.CopyToAsync(target, cancellationToken);
                    }

                    files[mxc] = path;
                }

                done++;
                progress.Progress("media", done * 100.0 / media.Count, $"{done} of {media.Count} files");
            }

            progress.Done("media", media.Count == 0 ? "No files." : $"{media.Count - missing} of {media.Count} files" + (missing > 0 ? $" ({missing} the server no longer has)" : ""));

            progress.Start("page");
            var room = new JsonObject
            {
                ["room_id"] = roomId, ["name"] = name, ["alias"] = alias, ["topic"] = topic, ["encrypted"] = encrypted,
                ["notice"] = encrypted ? EncryptedNotice : null, ["events"] = count, ["exported_at"] = now.ToString("O"), ["media"] = files,
            };
            await WriteJsonAsync(zip, "room.json", room, cancellationToken);
            await WritePageAsync(zip, room, lines, cancellationToken);
            progress.Done("page", "index.html opens in any browser, offline.");
            return new Result(count, media.Count - missing, missing, encrypted, name ?? alias);
        }
        finally
        {
            File.Delete(lines);
        }
    }

    /// <summary>The page: a template with the room and its events embedded (no fetch, which file:// pages may not do).</summary>
    private static async Task WritePageAsync(ZipArchive zip, JsonObject room, string lines, CancellationToken cancellationToken)
    {
        var template = RoomArchivePage.Template;
        var at = template.IndexOf(RoomArchivePage.DataMarker, StringComparison.Ordinal);
        await using var page = zip.CreateEntry("index.html", CompressionLevel.Optimal).Open();
        await using var writer = new StreamWriter(page, new UTF8Encoding(false));
        await writer.WriteAsync(template[..at]);
        await writer.WriteAsync(Embed(room.ToJsonString()));
        await writer.WriteAsync("\n");
        using var reader = new StreamReader(lines, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            await writer.WriteAsync(Embed(line));
            await writer.WriteAsync("\n");
        }

        await writer.WriteAsync(template[(at + RoomArchivePage.DataMarker.Length)..]);
    }

    /// <summary>JSON inside a script element: "&lt;/script" would end it and "&lt;!--" confuse it, so every '&lt;' (only ever inside a JSON string) is written "\u003c", the same string to JSON.</summary>
    private static string Embed(string json) => json.Replace("<", "\\u003c", StringComparison.Ordinal);

    private static async Task WriteJsonAsync(ZipArchive zip, string name, JsonNode node, CancellationToken cancellationToken)
    {
        await using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        node.WriteTo(writer);
        await writer.FlushAsync(cancellationToken);
    }

    private static JsonObject? Content(IEnumerable<JsonObject> state, string type) =>
        state.FirstOrDefault(e => e["type"]?.GetValue<string>() == type && e["state_key"]?.GetValue<string>() == "")?["content"] as JsonObject;

    /// <summary>The files an event refers to: its url, and its thumbnail's.</summary>
    private static void CollectMedia(JsonObject e, ISet<string> media)
    {
        if (e["content"] is not JsonObject content)
        {
            return;
        }

        foreach (var url in new[] { content["url"], content["info"]?["thumbnail_url"] })
        {
            if (url is JsonValue v && v.TryGetValue<string>(out var s) && s.StartsWith("mxc://", StringComparison.Ordinal) && s.Length < 300)
            {
                media.Add(s);
            }
        }
    }

    /// <summary>mxc://server/id → server_id, with anything but letters, digits, '.', '-' and '_' made '_'.</summary>
    public static string MediaFileName(string mxc) =>
        new([.. mxc[6..].Replace('/', '_').Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]);
}
