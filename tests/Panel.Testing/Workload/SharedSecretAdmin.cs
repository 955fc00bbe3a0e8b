using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Panel.Testing.Workload;

/// <summary>A server admin made with Synapse's registration shared secret, the way the panel makes its own.</summary>
public static partial class SharedSecretAdmin
{
    /// <summary>The shared secret from the homeserver.yaml the panel wrote into a container.</summary>
    public static async Task<string> ReadSecretAsync(string synapseContainer) =>
        Secret().Match(await DockerTestHelper.ReadFileAsync(synapseContainer, "/data/homeserver.yaml")).Groups[1].Value;

    /// <summary>Registers a new admin and answers its access token.</summary>
    public static async Task<string> RegisterAsync(HttpClient synapse, string secret, string prefix = "bench-admin")
    {
        var nonce = (await synapse.GetFromJsonAsync<JsonElement>("/_synapse/admin/v1/register")).GetProperty("nonce").GetString()!;
        var user = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 7)];
        var password = Guid.NewGuid().ToString("N");
        // Synapse's shared-secret registration prescribes HMAC-SHA1 over these fields.
        var mac = Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{nonce}\0{user}\0{password}\0admin")));
        var response = await synapse.PostAsJsonAsync("/_synapse/admin/v1/register", new { nonce, username = user, password, admin = true, mac });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    [GeneratedRegex(@"registration_shared_secret:\s*""?([^""\s]+)""?")]
    private static partial Regex Secret();
}
