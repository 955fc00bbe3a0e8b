using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;

namespace Panel.EndToEnd.Tests.Invites;

/// <summary>A panel (SQLite) with an installed Synapse, shared by a test class.</summary>
public class InstalledHomeserverFixture : HomeserverPanel, IAsyncLifetime
{
    public InstalledHomeserverFixture() : this(null, "invites.example.test")
    {
    }

    protected InstalledHomeserverFixture(IDictionary<string, string>? environment, string serverName) : base(environment)
    {
        ServerName = serverName;
    }

    public string ServerName { get; }

    public virtual async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "sqlite");
        await WaitUntilHealthyAsync();
    }

    public async Task<JsonElement> CreateInviteAsync(object body)
    {
        var response = await Api.Http.PostAsJsonAsync("/api/v1/invites", body);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"Creating the invite answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> RedeemAsync(string code, string username, string password) =>
        await Process.CreateClient().PostAsJsonAsync($"/api/v1/invites/{code}/redeem", new { username, password });

    public async Task<JsonElement> InviteAsync(string id) =>
        (await Api.Http.GetFromJsonAsync<JsonElement>("/api/v1/invites")).EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
}

/// <summary>The same, with the panel's own database on PostgreSQL.</summary>
public sealed class PostgresPanelHomeserverFixture : InstalledHomeserverFixture
{
    private static readonly PostgresDatabase Database = new();

    public PostgresPanelHomeserverFixture() : base(DatabaseEnvironment(), "pgpanel.example.test")
    {
    }

    private static Dictionary<string, string> DatabaseEnvironment()
    {
        Database.InitializeAsync().AsTask().GetAwaiter().GetResult();
        return new Dictionary<string, string>
        {
            ["Panel__Database__Provider"] = "Postgres",
            ["ConnectionStrings__Panel"] = Database.ConnectionString,
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
    }
}
