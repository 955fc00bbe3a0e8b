using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Panel.Testing.Workload;

public sealed record WorkloadUser(string UserId, string Token);

/// <summary>A room and its members, as indices into the population's users (the first one made it).</summary>
public sealed record WorkloadRoom(string RoomId, IReadOnlyList<int> Members);

/// <summary>
/// The users and rooms of a workload, made through Synapse's real APIs: users by the admin API
/// (without passwords, so that no password hashing is measured), each exempt from rate limits, rooms
/// made by their first member with their state events in one createRoom, and joined by the others.
/// </summary>
public sealed record WorkloadPopulation(string ServerName, IReadOnlyList<WorkloadUser> Users, IReadOnlyList<WorkloadRoom> Rooms, int StateEvents, TimeSpan Elapsed)
{
    private const int Parallelism = 8;

    /// <summary>Rooms made at once: each createRoom with its state is long work for Synapse.</summary>
    private const int RoomParallelism = 3;

    public static async Task<WorkloadPopulation> CreateAsync(HttpClient synapse, string adminToken, string serverName, WorkloadSettings settings, CancellationToken cancellationToken)
    {
        settings.Validate();
        var watch = Stopwatch.StartNew();
        var users = await CreateUsersAsync(synapse, adminToken, serverName, settings.Users, cancellationToken);
        var rooms = new WorkloadRoom[settings.Rooms];
        await Parallel.ForEachAsync(Enumerable.Range(0, settings.Rooms), new ParallelOptions { MaxDegreeOfParallelism = RoomParallelism, CancellationToken = cancellationToken }, async (r, ct) =>
            rooms[r] = await CreateRoomAsync(synapse, users, MembersOf(r, settings), settings.StateEventsPerRoom, $"Workload room {r}", ct, joinNow: false));

        // Joined through the admin API: a client's joins are limited to one a second per room, which
        // would make the set-up, not the workload, take the time.
        await JoinAsync(synapse, adminToken, users, rooms, cancellationToken);
        return new WorkloadPopulation(serverName, users, rooms, settings.Rooms * settings.StateEventsPerRoom, watch.Elapsed);
    }

    /// <summary>Users made through the admin API (no passwords to hash), each exempt from rate limits and signed in.</summary>
    public static async Task<IReadOnlyList<WorkloadUser>> CreateUsersAsync(HttpClient synapse, string adminToken, string serverName, int count, CancellationToken cancellationToken)
    {
        var prefix = "wl" + Guid.NewGuid().ToString("N")[..6];
        var users = new WorkloadUser[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var id = $"@{prefix}-{i:0000}:{serverName}";
            var escaped = Uri.EscapeDataString(id);
            await SendAsync(synapse, HttpMethod.Put, $"/_synapse/admin/v2/users/{escaped}", adminToken, new { displayname = $"Workload user {i}" }, ct);
            // Messages and joins at the workload's rate, not at the rate limits of a normal user.
            await SendAsync(synapse, HttpMethod.Post, $"/_synapse/admin/v1/users/{escaped}/override_ratelimit", adminToken, new { messages_per_second = 0, burst_count = 0 }, ct);
            var login = await SendAsync(synapse, HttpMethod.Post, $"/_synapse/admin/v1/users/{escaped}/login", adminToken, new { }, ct);
            users[i] = new WorkloadUser(id, login.GetProperty("access_token").GetString()!);
        });
        return users;
    }

    /// <summary>
    /// A public room made by <paramref name="members"/>' first with its state events in one createRoom;
    /// with <paramref name="joinNow"/> the others are joined at once (through the admin API).
    /// </summary>
    public static async Task<WorkloadRoom> CreateRoomAsync(HttpClient synapse, IReadOnlyList<WorkloadUser> users, IReadOnlyList<int> members, int stateEvents, string name,
        CancellationToken cancellationToken, bool joinNow = true, string? adminToken = null)
    {
        var state = Enumerable.Range(0, stateEvents)
            .Select(k => new { type = "org.homeserver-panel.workload", state_key = $"k{k:00000}", content = new { value = new string((char)('a' + (k % 26)), 64), k } })
            .ToList();
        var created = await SendAsync(synapse, HttpMethod.Post, "/_matrix/client/v3/createRoom", users[members[0]].Token,
            new { name, preset = "public_chat", initial_state = state }, cancellationToken);
        var room = new WorkloadRoom(created.GetProperty("room_id").GetString()!, members);
        if (joinNow)
        {
            await JoinAsync(synapse, adminToken ?? throw new ArgumentNullException(nameof(adminToken)), users, [room], cancellationToken);
        }

        return room;
    }

    private static async Task JoinAsync(HttpClient synapse, string adminToken, IReadOnlyList<WorkloadUser> users, IReadOnlyList<WorkloadRoom> rooms, CancellationToken cancellationToken)
    {
        var joins = rooms.SelectMany(room => room.Members.Skip(1).Select(m => (room.RoomId, users[m].UserId)));
        await Parallel.ForEachAsync(joins, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (join, ct) =>
            await SendAsync(synapse, HttpMethod.Post, $"/_synapse/admin/v1/join/{Uri.EscapeDataString(join.RoomId)}", adminToken, new { user_id = join.UserId }, ct));
    }

    /// <summary>Room r's members: a window of consecutive users, spread so that every user is in some room when there are enough places.</summary>
    public static IReadOnlyList<int> MembersOf(int room, WorkloadSettings settings)
    {
        var stride = Math.Max(1, settings.Users / settings.Rooms);
        return [.. Enumerable.Range(0, settings.MembersPerRoom).Select(j => (room * stride + j) % settings.Users)];
    }

    /// <summary>One request as a client makes it: when Synapse says to slow down, it waits as long as asked and tries again.</summary>
    internal static async Task<JsonElement> SendAsync(HttpClient synapse, HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await synapse.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }

            if ((int)response.StatusCode == 429 && attempt < 20)
            {
                var wait = JsonDocument.Parse(text).RootElement.TryGetProperty("retry_after_ms", out var ms) ? ms.GetInt32() : 1000;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(wait, 50, 10_000)), cancellationToken);
                continue;
            }

            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }
    }
}
