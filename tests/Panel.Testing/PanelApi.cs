using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Panel.Web.Api;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.Users;

namespace Panel.Testing;

/// <summary>
/// The panel's REST API as the end-to-end tests call it, typed with the API's own contract types
/// (so that a renamed field breaks the build, not a test at run time). An answer other than the
/// expected status fails with the status and the body.
/// </summary>
public sealed class PanelApi(HttpClient http)
{
    /// <summary>The API's own JSON settings: web defaults and enums as strings.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The HTTP client underneath, for requests that test the API's edges (bad input, status codes).</summary>
    public HttpClient Http => http;

    public async Task<T> GetAsync<T>(string path) => await ReadAsync<T>(await http.GetAsync(path, Ct), HttpStatusCode.OK, "GET", path);

    public async Task<T> PostAsync<T>(string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await ReadAsync<T>(await http.PostAsJsonAsync(path, body, Json, Ct), expected, "POST", path);

    public async Task<T> PutAsync<T>(string path, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await ReadAsync<T>(await http.PutAsJsonAsync(path, body, Json, Ct), expected, "PUT", path);

    public async Task PostAsync(string path, object? body, HttpStatusCode expected) =>
        await ReadAsync<JsonElement>(await http.PostAsJsonAsync(path, body, Json, Ct), expected, "POST", path);

    public Task<HomeserverView> HomeserverAsync() => GetAsync<HomeserverView>("/api/v1/homeserver");

    public Task CreateUserAsync(CreateUserRequest request) => PostAsync("/api/v1/users", request, HttpStatusCode.Created);

    public async Task<Guid> StartBackupAsync() => (await PostAsync<ActionStarted>("/api/v1/backups", null, HttpStatusCode.Accepted)).Id;

    public Task<BackupView> BackupAsync(Guid id) => GetAsync<BackupView>($"/api/v1/backups/{id}");

    public Task<List<BackupView>> BackupsAsync() => GetAsync<List<BackupView>>("/api/v1/backups");

    public Task RestoreAsync(Guid id, RestoreRequest request) => PostAsync($"/api/v1/backups/{id}/restore", request, HttpStatusCode.Accepted);

    public Task<List<BridgeView>> BridgesAsync() => GetAsync<List<BridgeView>>("/api/v1/bridges");

    public Task<BridgeView> BridgeAsync(Guid id) => GetAsync<BridgeView>($"/api/v1/bridges/{id}");

    public async Task<Guid> InstallBridgeAsync(BridgeInstallRequest request) =>
        (await PostAsync<ActionStarted>("/api/v1/bridges", request, HttpStatusCode.Accepted)).Id;

    public Task<List<ActiveAlert>> AlertsAsync() => GetAsync<List<ActiveAlert>>("/api/v1/alerts");

    public Task<UserList> UsersAsync() => GetAsync<UserList>("/api/v1/users");

    /// <summary>Audit entries matching a query string such as <c>action=auth.login&amp;outcome=Failure</c>.</summary>
    public async Task<IReadOnlyList<AuditLine>> AuditAsync(string query) => (await GetAsync<AuditLines>("/api/v1/audit?" + query)).Items;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected, string method, string path)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != expected)
            {
                throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode} {response.StatusCode}, not {(int)expected}: {body}", null, response.StatusCode);
            }

            return typeof(T) == typeof(JsonElement) && body.Length == 0 ? default! : JsonSerializer.Deserialize<T>(body, Json)!;
        }
    }
}

/// <summary>
/// An audit entry as the API writes it. The API answers the domain's <c>AuditEntry</c>, which has no
/// public constructor or setters to read it back into, so the tests read it into this record.
/// </summary>
public sealed record AuditLine(DateTimeOffset Timestamp, string Actor, string Action, string? Target, string? SourceAddress, string Outcome, string? Details);

public sealed record AuditLines(IReadOnlyList<AuditLine> Items, int Total);
