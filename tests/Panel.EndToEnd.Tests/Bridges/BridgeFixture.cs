using System.Net.Http.Json;
using System.Text.Json;
using Panel.EndToEnd.Tests.Invites;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Bridges;

/// <summary>
/// A panel with an installed Synapse on PostgreSQL (so that bridges get their own database), plus a
/// catalog directory with test entries built on the echo bridge image: one with a PostgreSQL
/// database, and one whose registration Synapse refuses to load.
/// </summary>
public sealed class BridgeHomeserverFixture : InstalledHomeserverFixture
{
    public BridgeHomeserverFixture() : base(new Dictionary<string, string>
    {
        ["Panel__Bridges__CatalogDirectory"] = WriteTestCatalog(),
        ["Panel__Bridges__ReadyTimeoutSeconds"] = "120",
    }, "bridges.example.test")
    {
    }

    public override async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "postgres");
        await WaitUntilHealthyAsync();
    }

    public async Task<HttpResponseMessage> PostBridgeAsync(object body) => await Api.PostAsJsonAsync("/api/v1/bridges", body);

    public async Task<Guid> InstallBridgeAsync(object body)
    {
        var response = await PostBridgeAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"Installing answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetBridgeAsync(Guid id) => await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bridges/{id}");

    /// <summary>Waits until the bridge's operation has finished and returns the bridge's view.</summary>
    public async Task<JsonElement> WaitForBridgeAsync(Guid id, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(4));
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            var response = await Api.GetAsync($"/api/v1/bridges/{id}");
            if (response.IsSuccessStatusCode)
            {
                view = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                var running = view.GetProperty("operation") is { ValueKind: JsonValueKind.Object } op && op.GetProperty("finishedAt").ValueKind == JsonValueKind.Null;
                if (!running && done(view))
                {
                    return view;
                }
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The bridge did not get there in time. Last view:\n{view}\nPanel output:\n{string.Join('\n', Process.Output.Split('\n').TakeLast(80))}");
    }

    /// <summary>Waits until an uninstall has removed the bridge (its GET answers 404).</summary>
    public async Task WaitUntilGoneAsync(Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var response = await Api.GetAsync($"/api/v1/bridges/{id}");
            if ((int)response.StatusCode == 404)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The bridge was not removed in time.\n{await GetHomeserverAsync()}");
    }

    private static string WriteTestCatalog()
    {
        var dir = TestEnvironment.NewTempDirectory("bridge-catalog");
        const string echoConfig = """
            files: {uid: 0, gid: 0, config: config.yaml}
            config:
              homeserver: {address: "${homeserver.address}", domain: "${homeserver.domain}"}
              appservice:
                id: ${appservice.id}
                as_token: ${appservice.as_token}
                hs_token: ${appservice.hs_token}
                bot_localpart: ${bot.localpart}
                bot_displayname: ${bot.displayname}
                hostname: 0.0.0.0
                port: ${appservice.port}
            """;
        File.WriteAllText(Path.Combine(dir, "echo-pg.yaml"), $$"""
            id: echo-pg
            name: Echo with a database
            network: Test
            image: homeserver-panel/echo-bridge:1.0
            port: 29990
            database: postgres
            test: true
            bot: {localpart: echopgbot}
            userPrefix: echopg_
            login: Talk to {bot}.
            {{echoConfig}}
              database: {uri: "${database.uri}"}
            """);
        File.WriteAllText(Path.Combine(dir, "broken-echo.yaml"), $$"""
            id: broken-echo
            name: Echo with a registration Synapse refuses
            network: Test
            image: homeserver-panel/echo-bridge:1.0
            port: 29991
            database: none
            test: true
            bot: {localpart: brokenbot}
            userPrefix: broken_
            login: Talk to {bot}.
            # Synapse compiles the namespace regexes when it starts: this one does not compile.
            registrationExtra:
              namespaces:
                users: [{regex: "@broken_[unclosed", exclusive: true}]
            {{echoConfig}}
            """);
        return dir;
    }
}
