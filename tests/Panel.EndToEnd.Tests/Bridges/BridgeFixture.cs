using System.Net;
using System.Net.Http.Json;
using Panel.EndToEnd.Tests.Invites;
using Panel.Testing;
using Panel.Web.Api;
using Panel.Web.Features.Bridges;

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

    public async Task<HttpResponseMessage> PostBridgeAsync(object body) => await Api.Http.PostAsJsonAsync("/api/v1/bridges", body);

    public async Task<Guid> InstallBridgeAsync(object body) => (await Api.PostAsync<ActionStarted>("/api/v1/bridges", body, HttpStatusCode.Accepted)).Id;

    public Task<BridgeView> GetBridgeAsync(Guid id) => Api.BridgeAsync(id);

    /// <summary>Waits until the bridge's operation has finished and <paramref name="done"/> holds; returns the bridge's view.</summary>
    public async Task<BridgeView> WaitForBridgeAsync(Guid id, Func<BridgeView, bool> done, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.UntilAsync(() => Api.BridgeAsync(id), v => v.Operation is not { FinishedAt: null } && done(v),
                timeout ?? TimeSpan.FromMinutes(4), "The bridge's state", TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nPanel output:\n{string.Join('\n', Process.Output.Split('\n').TakeLast(80))}", e);
        }
    }

    /// <summary>Waits until an uninstall has removed the bridge (its GET answers 404).</summary>
    public Task WaitUntilGoneAsync(Guid id) =>
        Eventually.UntilAsync(async () => (await Api.Http.GetAsync($"/api/v1/bridges/{id}")).StatusCode, status => status == HttpStatusCode.NotFound,
            TimeSpan.FromMinutes(3), "The bridge's removal", TimeSpan.FromMilliseconds(500));

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
