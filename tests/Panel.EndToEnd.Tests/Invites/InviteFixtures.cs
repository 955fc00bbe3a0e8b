using System.Net;
using System.Net.Http.Json;
using Panel.Testing;
using Panel.Web.Features.Invites;

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

    public Task<InviteView> CreateInviteAsync(CreateInviteRequest request) => Api.PostAsync<InviteView>("/api/v1/invites", request, HttpStatusCode.Created);

    public async Task<HttpResponseMessage> RedeemAsync(string code, string username, string password) =>
        await Process.CreateClient().PostAsJsonAsync($"/api/v1/invites/{code}/redeem", new { username, password });

    public async Task<InviteView> InviteAsync(Guid id) => (await Api.GetAsync<List<InviteView>>("/api/v1/invites")).Single(i => i.Id == id);
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
