using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.History;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Slack;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>
/// One run of an import: the people as ghosts, a space and a room per channel, then every message
/// in the order it was sent, with its original time, its thread, its files and its reactions. What
/// was sent is recorded as it goes (ImportedEvent), so that a run that stops can be started again
/// and sends nothing twice. One request at a time: Synapse keeps serving its users meanwhile.
/// </summary>
public sealed class SlackImportRun(
    IDbContextFactory<PanelDbContext> contexts,
    SlackExportReader export,
    IHistoryWriter writer,
    SlackAvatars avatars,
    HomeserverDeployment d,
    SlackImport import,
    TimeProvider clock)
{
    private const int SaveEvery = 50;
    private readonly Dictionary<(string Channel, string Key), string> _sent = [];
    private readonly List<ImportedEvent> _pending = [];
    private readonly Dictionary<string, SlackPerson> _people = export.People.ToDictionary(p => p.Id, StringComparer.Ordinal);
    private string Bot => $"@{HistoryAppService.BotLocalpart}:{d.ServerName}";

    public async Task RunAsync(OperationContext progress, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            foreach (var e in await db.ImportedEvents.AsNoTracking().Where(e => e.Workspace == import.Workspace).ToListAsync(cancellationToken))
            {
                _sent[(e.Channel, e.Key)] = e.MatrixId;
            }
        }

        var chosen = import.Channels.ToDictionary(c => c.Id, c => c.Public, StringComparer.Ordinal);
        var channels = export.Channels.Where(c => chosen.ContainsKey(c.Id)).ToList();

        progress.Start("people");
        var senders = await PeopleAsync(channels, cancellationToken);
        progress.Done("people", $"{senders.Count} people, as @{SlackNames.GhostPrefix}…:{d.ServerName}.");

        progress.Start("rooms");
        var space = await RecordedAsync("", "space", () => writer.CreateRoomAsync(Bot, SpaceBody(), cancellationToken), cancellationToken);
        await PublishedAsync("", space, cancellationToken);
        var rooms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in channels)
        {
            rooms[c.Id] = await RoomAsync(c, chosen[c.Id], space, senders, cancellationToken);
        }

        await FlushAsync(cancellationToken);
        progress.Done("rooms", $"A space, {import.Workspace}, with {rooms.Count} room(s).");

        progress.Start("messages");
        var watch = Stopwatch.StartNew();
        var done = 0;
        var sentNow = 0;
        foreach (var c in channels)
        {
            foreach (var m in export.Messages(c).Where(m => !m.IsHousekeeping))
            {
                cancellationToken.ThrowIfCancellationRequested();
                sentNow += await MessageAsync(c, rooms[c.Id], m, cancellationToken);
                done++;
                if (done % SaveEvery == 0)
                {
                    await FlushAsync(cancellationToken, done);
                    var rate = sentNow / Math.Max(0.001, watch.Elapsed.TotalSeconds);
                    var left = rate > 0 ? TimeSpan.FromSeconds((import.Total - done) / rate) : (TimeSpan?)null;
                    progress.Progress("messages", done * 100.0 / Math.Max(1, import.Total),
                        $"{done:N0} of {import.Total:N0} messages · {rate:0} a second" + (left is { } l ? $" · about {Panel.Web.Components.Shared.TimeText.Duration(l)} left" : ""));
                }
            }
        }

        await FlushAsync(cancellationToken, done);
        progress.Done("messages", $"{done:N0} messages ({sentNow:N0} sent now, the rest were there already).");
    }

    /// <summary>Ghosts for everyone who speaks, reacts or is a member of the chosen channels; bots by their name.</summary>
    private async Task<Dictionary<string, string>> PeopleAsync(IReadOnlyList<SlackChannel> channels, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in channels)
        {
            foreach (var member in c.Members)
            {
                ids.TryAdd(member, Name(member));
            }

            foreach (var m in export.Messages(c))
            {
                if (Speaker(m) is { } s)
                {
                    ids.TryAdd(s, m.User is null ? m.BotName ?? s : Name(s));
                }

                foreach (var user in m.Reactions.SelectMany(r => r.Users))
                {
                    ids.TryAdd(user, Name(user));
                }
            }
        }

        // A claimed ghost keeps saying who it is now: importing again must not take that back.
        Dictionary<string, string> claims;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            claims = (await db.GhostClaims.AsNoTracking().ToListAsync(cancellationToken))
                .GroupBy(c => c.SlackUserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.At).First().MatrixUserId, StringComparer.Ordinal);
        }

        var ghosts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, name) in ids)
        {
            await writer.EnsureUserAsync(SlackNames.GhostLocalpart(id), claims.TryGetValue(id, out var now) ? SlackNames.ClaimedName(name, now) : name, cancellationToken);
            ghosts[id] = Ghost(id);
            await AvatarAsync(id, cancellationToken);
        }

        await FlushAsync(cancellationToken);
        return ghosts;
    }

    private int _avatarsMissed;

    /// <summary>
    /// The person's avatar, which the export only links on Slack's servers: fetched once, uploaded as
    /// the ghost and recorded. After three that do not come, the rest are left (the servers may be
    /// out of reach, and each costs a timeout); a later import tries again.
    /// </summary>
    private async Task AvatarAsync(string slackId, CancellationToken cancellationToken)
    {
        if (_avatarsMissed >= 3 || !_people.TryGetValue(slackId, out var person) || person.AvatarUrl is not { } url || _sent.ContainsKey(("", "avatar:" + slackId)))
        {
            return;
        }

        if (await avatars.FetchAsync(url, cancellationToken) is not { } image)
        {
            _avatarsMissed++;
            return;
        }

        await RecordedAsync("", "avatar:" + slackId, async () =>
        {
            using var content = new MemoryStream(image.Bytes);
            var mxc = await writer.UploadAsync(Ghost(slackId), content, "avatar" + (image.ContentType == "image/png" ? ".png" : ".jpg"), image.ContentType, cancellationToken);
            await writer.SetAvatarAsync(Ghost(slackId), mxc, cancellationToken);
            return mxc;
        }, cancellationToken);
    }

    private async Task<string> RoomAsync(SlackChannel c, bool isPublic, string space, IReadOnlyDictionary<string, string> ghosts, CancellationToken cancellationToken)
    {
        var room = await RecordedAsync(c.Id, "room", () => writer.CreateRoomAsync(Bot, RoomBody(c, isPublic, space), cancellationToken), cancellationToken);
        if (isPublic)
        {
            await PublishedAsync(c.Id, room, cancellationToken);
        }

        await RecordedAsync("", "child:" + c.Id, async () =>
        {
            await writer.SetStateAsync(space, Bot, "m.space.child", room, new JsonObject { ["via"] = new JsonArray(d.ServerName) }, cancellationToken);
            return room;
        }, cancellationToken);
        // Everyone who is in the channel, speaks in it or reacts in it: a ghost must be in a room to send there.
        var members = c.Members
            .Concat(export.Messages(c).SelectMany(m => m.Reactions.SelectMany(r => r.Users).Concat(Speaker(m) is { } s ? [s] : [])))
            .Distinct(StringComparer.Ordinal);
        foreach (var member in members.Where(ghosts.ContainsKey))
        {
            await RecordedAsync(c.Id, "member:" + member, async () =>
            {
                if (!isPublic)
                {
                    await writer.InviteAsync(room, Bot, ghosts[member], cancellationToken);
                }

                await writer.JoinAsync(room, ghosts[member], cancellationToken);
                return ghosts[member];
            }, cancellationToken);
        }

        return room;
    }

    /// <summary>One Slack message: its text (with links to files that stayed on Slack), its files, its reactions. Answers how many events were sent now.</summary>
    private async Task<int> MessageAsync(SlackChannel c, string room, SlackMessage m, CancellationToken cancellationToken)
    {
        var sender = Ghost(Speaker(m) ?? "unknown");
        var sent = 0;
        var text = SlackMarkup.ToMatrix(m.Text, id => _people.GetValueOrDefault(id), d.ServerName);
        var missing = m.Files.Where(f => !f.Present).ToList();
        var body = text.Body + string.Concat(missing.Select(f => $"\n📎 {f.Name} (a file that stayed on Slack)"));
        string? eventId = null;
        if (body.Length > 0 || m.Files.Count == 0)
        {
            var content = new JsonObject { ["msgtype"] = m.Subtype == "me_message" ? "m.emote" : "m.text", ["body"] = body.Length > 0 ? body : "(an empty message)" };
            if (text.Html is not null)
            {
                content["format"] = "org.matrix.custom.html";
                content["formatted_body"] = text.Html + string.Concat(missing.Select(f => $"<br/>📎 {System.Net.WebUtility.HtmlEncode(f.Name)} (a file that stayed on Slack)"));
            }

            Thread(c, m, content);
            (eventId, var isNew) = await SentAsync(c.Id, m.Ts, () => writer.SendAsync(room, sender, "m.room.message", content, Txn(c, m.Ts), m.Time, cancellationToken));
            sent += isNew ? 1 : 0;
        }

        foreach (var file in m.Files.Where(f => f.Present))
        {
            var key = $"{m.Ts}:file:{file.Id}";
            var (fileEvent, isNew) = await SentAsync(c.Id, key, async () =>
            {
                // Through a file on disk, not memory: files run to hundreds of MB, and an upload may be retried.
                await using var stream = export.OpenFile(file);
                await using var copy = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
                await stream.CopyToAsync(copy, cancellationToken);
                copy.Position = 0;
                // The upload's request owns the stream once sent (and closes it): its length is read first.
                var size = copy.Length;
                var mxc = await writer.UploadAsync(sender, copy, file.Name, file.MimeType ?? "application/octet-stream", cancellationToken);
                var content = new JsonObject
                {
                    ["msgtype"] = file.IsImage ? "m.image" : "m.file", ["body"] = file.Name, ["url"] = mxc,
                    ["info"] = new JsonObject { ["mimetype"] = file.MimeType ?? "application/octet-stream", ["size"] = size },
                };
                Thread(c, m, content);
                return await writer.SendAsync(room, sender, "m.room.message", content, Txn(c, key), m.Time, cancellationToken);
            });
            eventId ??= fileEvent;
            sent += isNew ? 1 : 0;
        }

        foreach (var reaction in m.Reactions)
        {
            foreach (var user in reaction.Users)
            {
                var key = $"{m.Ts}:reaction:{reaction.Name}:{user}";
                var content = new JsonObject
                {
                    ["m.relates_to"] = new JsonObject { ["rel_type"] = "m.annotation", ["event_id"] = eventId, ["key"] = SlackEmoji.For(reaction.Name) },
                };
                var (_, isNew) = await SentAsync(c.Id, key, () => writer.SendAsync(room, Ghost(user), "m.reaction", content, Txn(c, key), m.Time, cancellationToken));
                sent += isNew ? 1 : 0;
            }
        }

        return sent;
    }

    /// <summary>A reply in a Slack thread is an m.thread relation to the thread's first message (with a reply fallback for older clients).</summary>
    private void Thread(SlackChannel c, SlackMessage m, JsonObject content)
    {
        if (m.IsReply && _sent.TryGetValue((c.Id, m.ThreadTs!), out var root))
        {
            content["m.relates_to"] = new JsonObject
            {
                ["rel_type"] = "m.thread", ["event_id"] = root, ["is_falling_back"] = true,
                ["m.in_reply_to"] = new JsonObject { ["event_id"] = root },
            };
        }
    }

    private async Task<(string Id, bool New)> SentAsync(string channel, string key, Func<Task<string>> send)
    {
        if (_sent.TryGetValue((channel, key), out var existing))
        {
            return (existing, false);
        }

        var id = await send();
        _sent[(channel, key)] = id;
        _pending.Add(ImportedEvent.Of(import.Workspace, channel, key, id, clock.GetUtcNow()));
        return (id, true);
    }

    /// <summary>
    /// Lists a room in the room directory, as public channels were in Slack's channel browser. Synapse
    /// lets nobody publish unless a rule allows it: homeserver.yaml allows the history bot (and only it).
    /// </summary>
    private Task PublishedAsync(string channel, string room, CancellationToken cancellationToken) =>
        RecordedAsync(channel, "published", async () =>
        {
            await writer.PublishAsync(room, Bot, cancellationToken);
            return room;
        }, cancellationToken);

    private async Task<string> RecordedAsync(string channel, string key, Func<Task<string>> make, CancellationToken cancellationToken)
    {
        var (id, isNew) = await SentAsync(channel, key, make);
        if (isNew)
        {
            await FlushAsync(cancellationToken);
        }

        return id;
    }

    private async Task FlushAsync(CancellationToken cancellationToken, int? done = null)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ImportedEvents.AddRange(_pending);
        if (done is { } n && await db.SlackImports.SingleOrDefaultAsync(i => i.Id == import.Id, cancellationToken) is { } record)
        {
            record.Progress(n);
        }

        await db.SaveChangesAsync(cancellationToken);
        _pending.Clear();
    }

    private JsonObject SpaceBody() => new()
    {
        ["name"] = import.Workspace,
        ["topic"] = $"The history of the {import.Workspace} Slack workspace, imported.",
        ["preset"] = "public_chat",
        ["creation_content"] = new JsonObject { ["type"] = "m.space" },
        ["power_level_content_override"] = new JsonObject { ["events_default"] = 100, ["users"] = new JsonObject { [Bot] = 100 } },
    };

    private JsonObject RoomBody(SlackChannel c, bool isPublic, string space) => new()
    {
        ["name"] = c.Kind == SlackChannelKind.Direct ? $"Direct messages ({c.Id})" : c.Name,
        ["topic"] = string.Join(" — ", new[] { c.Topic, c.Purpose }.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct()),
        ["preset"] = isPublic ? "public_chat" : "private_chat",
        ["initial_state"] = new JsonArray(
            new JsonObject { ["type"] = "m.space.parent", ["state_key"] = space, ["content"] = new JsonObject { ["via"] = new JsonArray(d.ServerName), ["canonical"] = true } },
            new JsonObject { ["type"] = "m.room.history_visibility", ["state_key"] = "", ["content"] = new JsonObject { ["history_visibility"] = "shared" } }),
        ["power_level_content_override"] = new JsonObject { ["users"] = new JsonObject { [Bot] = 100 } },
    };

    private string Name(string id) => _people.TryGetValue(id, out var p) ? p.Deleted ? $"{p.ShownName} (left Slack)" : p.ShownName : id;

    private static string? Speaker(SlackMessage m) => m.User ?? (m.BotName is { } bot ? "bot-" + new string([.. bot.Where(char.IsAsciiLetterOrDigit)]) : null);

    private string Ghost(string slackId) => $"@{SlackNames.GhostLocalpart(slackId)}:{d.ServerName}";

    private static string Txn(SlackChannel c, string key) => $"slack-{c.Id}-{key}".Replace(':', '-');
}
