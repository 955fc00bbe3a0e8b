using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

/// <summary>The Synapse admin API (and the bits of the client API the panel needs) for one homeserver.</summary>
internal sealed partial class SynapseAdminClient(HttpClient http, HomeserverConnection connection, TimeProvider clock, ILogger<SynapseAdminClient> logger) : IHomeserverAdmin
{
    private readonly Uri _base = new(connection.BaseUrl.EndsWith('/') ? connection.BaseUrl : connection.BaseUrl + "/");

    public HomeserverCapabilities Capabilities => HomeserverCapabilities.All;

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(_base, "health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<string?> GetVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = await SendAsync<ServerVersion>(HttpMethod.Get, "_synapse/admin/v1/server_version", null, cancellationToken);
            return version.Version;
        }
        catch (Exception e) when (e is HomeserverException or HttpRequestException)
        {
            return null;
        }
    }

    public async Task<string> WhoAmIAsync(CancellationToken cancellationToken) =>
        (await SendAsync<WhoAmI>(HttpMethod.Get, "_matrix/client/v3/account/whoami", null, cancellationToken)).UserId;

    internal async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, cancellationToken);
        if (typeof(T) == typeof(JsonElement))
        {
            return (T)(object)(await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
        }

        return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
            ?? throw new HomeserverException($"The homeserver gave an empty answer to {path}.");
    }

    internal async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connection.AccessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HomeserverException($"The homeserver at {connection.BaseUrl} cannot be reached.", e);
        }

        if (!response.IsSuccessStatusCode)
        {
            var (code, message) = await SynapseErrors.ReadAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            response.Dispose();
            LogFailed(logger, method.Method, path.Split('?')[0], status, code);
            throw new HomeserverException(status == 401 ? "The panel's admin token for the homeserver is no longer valid." : message, status, code);
        }

        return response;
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal TimeProvider Clock => clock;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Homeserver admin call {Method} {Path} failed with {Status} {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, string method, string path, int status, string? errorCode);

    private sealed record ServerVersion([property: JsonPropertyName("server_version")] string Version);

    private sealed record WhoAmI([property: JsonPropertyName("user_id")] string UserId);
}
