using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Accounts;
using Panel.Infrastructure.Identity;
using Panel.Testing;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;

namespace Panel.Web.Tests.Host;

/// <summary>The real panel host in memory, on a fresh SQLite data directory (or PostgreSQL when given).</summary>
public class PanelWebFactory : WebApplicationFactory<Program>
{
    public const string OwnerPassword = "correct horse battery staple";

    private readonly Dictionary<string, string?> _settings;

    public PanelWebFactory() : this(new Dictionary<string, string?>())
    {
    }

    protected internal PanelWebFactory(Dictionary<string, string?> settings)
    {
        DataDirectory = TestEnvironment.NewTempDirectory("panel-web");
        _settings = new Dictionary<string, string?>
        {
            ["Panel:DataDirectory"] = DataDirectory,
            ["Panel:Docker:Endpoint"] = TestEnvironment.DockerEndpoint,
            ["Panel:RateLimits:Scale"] = "1000",
        };
        foreach (var (k, v) in settings)
        {
            _settings[k] = v;
        }
    }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient CreateBrowserClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public HttpClient CreateApiClient(string? token = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<PanelUser> EnsureOwnerAsync(string userName = "owner")
    {
        var setup = Services.GetRequiredService<OwnerSetupService>();
        var result = await setup.CreateOwnerAsync(userName, null, OwnerPassword, AuditActor.Cli, CancellationToken.None);
        if (result.Succeeded)
        {
            return result.Owner!;
        }

        return (await Services.GetRequiredService<PanelAccountService>().FindOwnerAsync())!;
    }

    public async Task<string> CreateTokenAsync(string userId, string name = "test")
        => (await Services.GetRequiredService<ApiTokenService>().IssueAsync(name, userId, AuditActor.Cli, CancellationToken.None)).PlainText;

    public async Task<string> CreateAdminTokenAsync()
    {
        await EnsureOwnerAsync();
        var admin = await Services.GetRequiredService<PanelAccountService>()
            .CreateAdminAsync("admin-" + Guid.NewGuid().ToString("N")[..6], null, OwnerPassword, AuditActor.Cli, CancellationToken.None);
        return await CreateTokenAsync(admin.Id, "admin token");
    }

    public async Task<string> CreateModeratorTokenAsync()
    {
        await EnsureOwnerAsync();
        var moderator = await Services.GetRequiredService<PanelAccountService>()
            .CreateAccountAsync("mod-" + Guid.NewGuid().ToString("N")[..6], null, OwnerPassword, PanelRoles.Moderator, AuditActor.Cli, CancellationToken.None);
        return await CreateTokenAsync(moderator.Id, "moderator token");
    }

    public async Task<int> CountOwnersAsync()
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PanelUser>>();
        return (await users.GetUsersInRoleAsync(PanelRoles.Owner)).Count;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
