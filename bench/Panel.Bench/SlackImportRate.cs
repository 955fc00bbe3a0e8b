using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Infrastructure.Slack;
using Panel.Testing;
using Panel.Testing.Slack;

namespace Panel.Bench;

/// <summary>
/// P9: the Slack import's rate on the real Synapse, against a minimal appservice client that sends
/// the same messages and reactions in a loop, one request at a time, with no conversion, through
/// the same appservice; and the panel's PSS during the import against the idle panel before it.
/// </summary>
public static class SlackImportRate
{
    /// <param name="panel">The panel under test, with its homeserver installed.</param>
    /// <param name="quick">A 1,000-message export instead of 5,200.</param>
    /// <param name="messages">The export's size when not the generator's default (5,200; 1,000 quick).</param>
    /// <param name="memoryOnly">Only the panel's memory over a long import: no bare loop, no rate budget.</param>
    public static async Task<BenchResult> RateAsync(HomeserverPanel panel, bool quick, int? messages = null, bool memoryOnly = false)
    {
        var dir = TestEnvironment.NewTempDirectory("p9");
        // A small import first registers the panel's appservice (a Synapse restart), outside the timing.
        var warmUp = await UploadAsync(panel, SlackExportGenerator.Write(Path.Combine(dir, "Warm Slack export.zip"), SlackExportGenerator.Shape.Small with { Seed = 3 }).Path);
        await ImportAsync(panel, warmUp);

        var shape = quick ? new SlackExportGenerator.Shape(Messages: 1000, Days: 120) : new SlackExportGenerator.Shape();
        if (messages is { } wanted)
        {
            shape = shape with { Messages = wanted };
        }

        var export = SlackExportGenerator.Write(Path.Combine(dir, "Bench Slack export.zip"), shape);
        var upload = await UploadAsync(panel, export.Path);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idlePss = ProcessProbes.Smaps(panel.Process.ProcessId).Pss;
        // Every sample is kept: "flat" means the last quarter of the import peaks no higher than the first.
        var samples = new List<double>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                samples.Add(ProcessProbes.Smaps(panel.Process.ProcessId).Pss);
                await Task.Delay(500, CancellationToken.None);
            }
        });
        var watch = Stopwatch.StartNew();
        await ImportAsync(panel, upload);
        var panelSeconds = watch.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var peakPss = samples.Append(idlePss).Max();
        var quarter = Math.Max(1, samples.Count / 4);
        var (firstQuarter, lastQuarter) = (samples.Take(quarter).DefaultIfEmpty(idlePss).Max(), samples.TakeLast(quarter).DefaultIfEmpty(idlePss).Max());

        var (sent, reactions) = Count(export.Path);
        var panelRate = sent / panelSeconds;
        var memory = $"panel PSS {idlePss / 1048576:0.0} MiB idle, {peakPss / 1048576:0.0} MiB at most during the import (first quarter {firstQuarter / 1048576:0.0}, last quarter {lastQuarter / 1048576:0.0})";
        var details = new Dictionary<string, double>
        {
            ["messages"] = sent, ["reactions"] = reactions, ["panel seconds"] = panelSeconds,
            ["panel PSS idle MiB"] = idlePss / 1048576, ["panel PSS peak MiB"] = peakPss / 1048576,
            ["panel PSS first quarter peak MiB"] = firstQuarter / 1048576, ["panel PSS last quarter peak MiB"] = lastQuarter / 1048576,
        };
        if (memoryOnly)
        {
            // Flat: the last quarter may not peak more than 8 MiB above the first (one GC budget's slack).
            var growth = (lastQuarter - firstQuarter) / 1048576;
            Console.WriteLine($"[P9] memory only: {sent} messages and {reactions} reactions in {panelSeconds:0} s ({panelRate:0.0}/s); {memory}");
            // Its own id would be filtered out by --only P9: the name says which P9 this is.
            return new BenchResult("P9", $"Slack import memory ({sent:N0} messages)", lastQuarter / 1048576, "MiB", "first quarter's peak", firstQuarter / 1048576,
                lastQuarter / firstQuarter, "last quarter <= first + 8 MiB", growth <= 8, details);
        }

        var baselineSeconds = await BaselineAsync(panel, export.Path);
        var baselineRate = sent / baselineSeconds;
        var ratio = panelRate / baselineRate;
        details["bare loop seconds"] = baselineSeconds;
        Console.WriteLine($"[P9] {sent} messages and {reactions} reactions: panel {panelSeconds:0} s ({panelRate:0.0}/s), bare loop {baselineSeconds:0} s ({baselineRate:0.0}/s); {memory}");
        return new BenchResult("P9", "Slack import rate", panelRate, "msg/s", "bare appservice loop", baselineRate, ratio, "ratio >= 0.7", ratio >= 0.7, details);
    }

    private static (int Messages, int Reactions) Count(string path)
    {
        using var reader = SlackExportReader.Open(path);
        var all = reader.Channels.SelectMany(c => reader.Messages(c)).Where(m => !m.IsHousekeeping).ToList();
        return (all.Count, all.Sum(m => m.Reactions.Sum(r => r.Users.Count)));
    }

    /// <summary>
    /// The same messages (their text as it is, one event per message, files as their names) and
    /// reactions, sent by one ghost per Slack person into one room per channel, as the panel's
    /// appservice, one request at a time: what an import costs Synapse, without the panel's work.
    /// </summary>
    private static async Task<double> BaselineAsync(HomeserverPanel panel, string path)
    {
        var registration = await DockerTestHelper.TryReadFileAsync(panel.SynapseContainer, "/data/appservices/panel-history.yaml")
            ?? throw new InvalidOperationException("The panel's history appservice is not registered in Synapse.");
        var asToken = registration.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("as_token:", StringComparison.Ordinal))["as_token:".Length..].Trim().Trim('"', '\'');
        var server = (await panel.GetHomeserverAsync()).Settings!.ServerName;
        using var http = new HttpClient { BaseAddress = new Uri(await panel.ClientUrlAsync()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", asToken);
        using var reader = SlackExportReader.Open(path);
        var bot = $"@slack-history:{server}";
        var run = Guid.NewGuid().ToString("N")[..6];
        var watch = Stopwatch.StartNew();
        foreach (var channel in reader.Channels)
        {
            var room = (await SendAsync(http, HttpMethod.Post, $"/_matrix/client/v3/createRoom?user_id={Uri.EscapeDataString(bot)}", new { name = $"bare {channel.Name}", preset = "public_chat" }))
                .GetProperty("room_id").GetString()!;
            var joined = new HashSet<string>(StringComparer.Ordinal);
            async Task<string> GhostAsync(string slackId)
            {
                var user = $"@slack_bare{run}_{slackId.ToLowerInvariant()}:{server}";
                if (joined.Add(user))
                {
                    await SendAsync(http, HttpMethod.Post, "/_matrix/client/v3/register", new { type = "m.login.application_service", username = user[1..user.IndexOf(':', StringComparison.Ordinal)] }, HttpStatusCode.BadRequest);
                    await SendAsync(http, HttpMethod.Post, $"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}?user_id={Uri.EscapeDataString(user)}", new { });
                }

                return user;
            }

            foreach (var m in reader.Messages(channel).Where(m => !m.IsHousekeeping))
            {
                var sender = await GhostAsync(m.User ?? "bot");
                var ts = m.Time.ToUnixTimeMilliseconds();
                var sent = await SendAsync(http, HttpMethod.Put,
                    $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/bare-{run}-{channel.Id}-{m.Ts}?user_id={Uri.EscapeDataString(sender)}&ts={ts}",
                    new { msgtype = "m.text", body = m.Text.Length > 0 ? m.Text : string.Join(", ", m.Files.Select(f => f.Name)) });
                var eventId = sent.GetProperty("event_id").GetString()!;
                foreach (var (reaction, user) in m.Reactions.SelectMany(r => r.Users.Select(u => (r.Name, u))))
                {
                    var reactor = await GhostAsync(user);
                    await SendAsync(http, HttpMethod.Put,
                        $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.reaction/bare-{run}-{channel.Id}-{m.Ts}-{reaction}-{user}?user_id={Uri.EscapeDataString(reactor)}&ts={ts}",
                        new Dictionary<string, object> { ["m.relates_to"] = new { rel_type = "m.annotation", event_id = eventId, key = reaction } });
                }
            }
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, object body, HttpStatusCode? alsoFine = null)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode && response.StatusCode != alsoFine)
        {
            throw new InvalidOperationException($"{method} {path.Split('?')[0]}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text.Length > 0 ? text : "{}").RootElement.Clone();
    }

    internal static Task<Guid> UploadAsync(HomeserverPanel panel, string path) => panel.UploadSlackAsync(path);

    internal static Task ImportAsync(HomeserverPanel panel, Guid id) => panel.ImportSlackAsync(id, TimeSpan.FromMinutes(180));
}
