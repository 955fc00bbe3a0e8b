using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

internal sealed partial class SynapseAdminFactory(IHttpClientFactory http, TimeProvider clock, ILoggerFactory loggers) : IHomeserverAdminFactory
{
    private readonly ILogger _logger = loggers.CreateLogger<SynapseAdminFactory>();

    public const string HttpClientName = "synapse";

    public IHomeserverAdmin Create(HomeserverConnection connection) =>
        new SynapseAdminClient(http.CreateClient(HttpClientName), connection, clock, loggers.CreateLogger<SynapseAdminClient>());

    public async Task<bool> IsHealthyAsync(string baseUrl, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.CreateClient(HttpClientName).GetAsync(new Uri(new Uri(baseUrl), "health"), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<AdminSession> RegisterAdminAsync(string baseUrl, string sharedSecret, string localpart, string password, CancellationToken cancellationToken)
    {
        try
        {
            return await RegisterOrSignInAsync(baseUrl, sharedSecret, localpart, password, cancellationToken);
        }
        catch (HomeserverException e) when (e.ErrorCode == "M_FORBIDDEN" && e.StatusCode == 403)
        {
            // The name is taken by an account whose password the panel does not know (another panel
            // manages this server, say): the panel makes its own, distinct admin account.
            var alternative = $"{localpart}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
            return await RegisterOrSignInAsync(baseUrl, sharedSecret, alternative, password, cancellationToken);
        }
    }

    private async Task<AdminSession> RegisterOrSignInAsync(string baseUrl, string sharedSecret, string localpart, string password, CancellationToken cancellationToken)
    {
        var client = http.CreateClient(HttpClientName);
        var registerUrl = new Uri(new Uri(baseUrl), "_synapse/admin/v1/register");
        var nonce = await client.GetFromJsonAsync<NonceResponse>(registerUrl, cancellationToken)
            ?? throw new HomeserverException("The homeserver did not give a registration nonce.");
        var body = new RegisterRequest(nonce.Nonce, localpart, password, Mac(sharedSecret, nonce.Nonce, localpart, password, admin: true), true);
        using var response = await client.PostAsJsonAsync(registerUrl, body, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            var session = await response.Content.ReadFromJsonAsync<SessionResponse>(cancellationToken) ?? throw new HomeserverException("Empty answer to the registration.");
            LogRegistered(_logger, session.UserId);
            return new AdminSession(session.UserId, session.AccessToken);
        }

        var error = await SynapseErrors.ReadAsync(response, cancellationToken);
        if (error.ErrorCode == "M_USER_IN_USE")
        {
            // Installed before (data kept, or the panel's database was restored): sign in instead.
            return await LoginAsync(client, baseUrl, localpart, password, cancellationToken);
        }

        if (response.StatusCode == HttpStatusCode.Forbidden || error.Message.Contains("HMAC", StringComparison.OrdinalIgnoreCase))
        {
            throw new HomeserverException("The homeserver refused the shared secret: check registration_shared_secret.", (int)response.StatusCode, error.ErrorCode);
        }

        throw new HomeserverException($"The homeserver refused to register the panel's admin: {error.Message}", (int)response.StatusCode, error.ErrorCode);
    }

    internal static async Task<AdminSession> LoginAsync(HttpClient client, string baseUrl, string localpart, string password, CancellationToken cancellationToken)
    {
        var request = new
        {
            type = "m.login.password",
            identifier = new { type = "m.id.user", user = localpart },
            password,
            initial_device_display_name = "Homeserver Panel",
        };
        using var response = await client.PostAsJsonAsync(new Uri(new Uri(baseUrl), "_matrix/client/v3/login"), request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = await SynapseErrors.ReadAsync(response, cancellationToken);
            throw new HomeserverException($"The panel's admin account exists but could not sign in: {error.Message}", (int)response.StatusCode, error.ErrorCode);
        }

        var session = await response.Content.ReadFromJsonAsync<SessionResponse>(cancellationToken) ?? throw new HomeserverException("Empty answer to the login.");
        return new AdminSession(session.UserId, session.AccessToken);
    }

    public async Task<string?> VerifyPasswordAsync(string baseUrl, string localpart, string password, CancellationToken cancellationToken)
    {
        var client = http.CreateClient(HttpClientName);
        var request = new
        {
            type = "m.login.password",
            identifier = new { type = "m.id.user", user = localpart },
            password,
            initial_device_display_name = "Homeserver Panel (house rules)",
        };
        using var response = await client.PostAsJsonAsync(new Uri(new Uri(baseUrl), "_matrix/client/v3/login"), request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = await SynapseErrors.ReadAsync(response, cancellationToken);
            throw new HomeserverException($"The homeserver could not check the password: {error.Message}", (int)response.StatusCode, error.ErrorCode);
        }

        var session = await response.Content.ReadFromJsonAsync<SessionResponse>(cancellationToken) ?? throw new HomeserverException("Empty answer to the login.");
        // Only the check was wanted: the session (and its device) go at once.
        using var logout = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUrl), "_matrix/client/v3/logout")) { Content = JsonContent.Create(new { }) };
        logout.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.AccessToken);
        (await client.SendAsync(logout, CancellationToken.None)).Dispose();
        return session.UserId;
    }

    public async Task<AppServicePing> PingAppServiceAsync(string baseUrl, string appServiceId, string asToken, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUrl), $"_matrix/client/v1/appservice/{Uri.EscapeDataString(appServiceId)}/ping"))
        {
            Content = JsonContent.Create(new { transaction_id = "homeserver-panel-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", asToken);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
                long? ms = doc.RootElement.TryGetProperty("duration_ms", out var d) && d.TryGetInt64(out var v) ? v : null;
                return new AppServicePing(AppServicePingResult.Answered, "The bridge answered the homeserver's ping.", ms);
            }

            var (code, message) = await SynapseErrors.ReadAsync(response, timeout.Token);
            return code switch
            {
                // The appservice answered, with a status other than 200 (it may not implement ping).
                "M_BAD_STATUS" => new AppServicePing(AppServicePingResult.ReachedWithError, message, null),
                "M_CONNECTION_FAILED" or "M_CONNECTION_TIMEOUT" => new AppServicePing(AppServicePingResult.Unreachable, message, null),
                "M_UNKNOWN_TOKEN" or "M_FORBIDDEN" => new AppServicePing(AppServicePingResult.NotRegistered, message, null),
                _ when (int)response.StatusCode >= 500 && code is null => new AppServicePing(AppServicePingResult.HomeserverDown, message, null),
                _ => new AppServicePing(AppServicePingResult.Unreachable, $"{code}: {message}", null),
            };
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new AppServicePing(AppServicePingResult.HomeserverDown, "The homeserver did not answer.", null);
        }
    }

    /// <summary>Synapse's shared-secret registration MAC: HMAC-SHA1 over nonce, user, password and admin flag, NUL-separated, as lowercase hex.</summary>
    internal static string Mac(string sharedSecret, string nonce, string user, string password, bool admin)
    {
        var message = string.Join('\0', nonce, user, password, admin ? "admin" : "notadmin");
#pragma warning disable CA5350 // SHA-1 is what Synapse's protocol specifies for this MAC.
        return Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(message)));
#pragma warning restore CA5350
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered the panel's admin account {UserId} with the shared secret")]
    private static partial void LogRegistered(ILogger logger, string userId);

    private sealed record NonceResponse(string Nonce);

    private sealed record RegisterRequest(string Nonce, string Username, string Password, string Mac, bool Admin);

    internal sealed record SessionResponse([property: JsonPropertyName("user_id")] string UserId, [property: JsonPropertyName("access_token")] string AccessToken);
}

/// <summary>Reads Matrix error bodies ({"errcode": "...", "error": "..."}).</summary>
internal static class SynapseErrors
{
    public static async Task<(string? ErrorCode, string Message)> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var code = doc.RootElement.TryGetProperty("errcode", out var c) ? c.GetString() : null;
            var message = doc.RootElement.TryGetProperty("error", out var m) ? m.GetString() : null;
            return (code, message ?? $"HTTP {(int)response.StatusCode}");
        }
        catch (JsonException)
        {
            return (null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }
}
