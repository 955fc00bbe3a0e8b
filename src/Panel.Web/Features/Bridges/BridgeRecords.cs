using System.Text.Json;
using Panel.Domain.Bridges;
using Panel.Infrastructure.Security;

namespace Panel.Web.Features.Bridges;

/// <summary>
/// The two JSON columns of a bridge: its secrets (tokens, database password, secret settings;
/// encrypted at rest) and its choices (settings and owner; plain). One home, so that the installer,
/// the service and a restore read them the same way.
/// </summary>
public sealed class BridgeRecords(ISecretProtector secrets)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal BridgeSecrets ReadSecrets(Bridge bridge) =>
        JsonSerializer.Deserialize<BridgeSecrets>(secrets.Unprotect(bridge.SecretsProtected), Json)!;

    internal string ProtectSecrets(BridgeSecrets value) => secrets.Protect(JsonSerializer.Serialize(value, Json));

    internal static BridgeChoices ReadChoices(Bridge bridge) =>
        JsonSerializer.Deserialize<BridgeChoices>(bridge.SettingsJson, Json) ?? new BridgeChoices([], null);

    internal static string WriteChoices(BridgeChoices choices) => JsonSerializer.Serialize(choices, Json);
}
