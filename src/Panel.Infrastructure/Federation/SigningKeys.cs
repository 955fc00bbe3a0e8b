using System.Text.Json;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Panel.Domain.Federation;

namespace Panel.Infrastructure.Federation;

/// <summary>Checks a /_matrix/key/v2/server answer: the server's own name, and its signature by one of its keys.</summary>
internal static class SigningKeys
{
    /// <summary>Null when the keys are sound; else what is wrong, in words.</summary>
    public static string? Problem(JsonElement keys, string serverName, DateTimeOffset now, out string summary)
    {
        summary = "";
        if (keys.ValueKind != JsonValueKind.Object || !keys.TryGetProperty("server_name", out var named) || !keys.TryGetProperty("verify_keys", out var verify) || verify.ValueKind != JsonValueKind.Object)
        {
            return "the answer is not a key document (no server_name or verify_keys)";
        }

        if (!string.Equals(named.GetString(), serverName, StringComparison.Ordinal))
        {
            return $"the keys are for '{named.GetString()}', not '{serverName}'";
        }

        if (!keys.TryGetProperty("signatures", out var signatures) || !signatures.TryGetProperty(serverName, out var ours) || ours.ValueKind != JsonValueKind.Object)
        {
            return "the keys are not signed by the server";
        }

        var signed = CanonicalJson.Encode(keys, "signatures", "unsigned");
        foreach (var signature in ours.EnumerateObject())
        {
            if (!verify.TryGetProperty(signature.Name, out var key) || !key.TryGetProperty("key", out var keyText))
            {
                return $"signed with {signature.Name}, which is not among its verify_keys";
            }

            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(Unpadded(keyText.GetString()!)));
            verifier.BlockUpdate(signed, 0, signed.Length);
            if (!verifier.VerifySignature(Unpadded(signature.Value.GetString()!)))
            {
                return $"the signature by {signature.Name} does not verify";
            }

            var until = keys.TryGetProperty("valid_until_ts", out var ts) && ts.ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeMilliseconds(ts.GetInt64()) : (DateTimeOffset?)null;
            if (until is { } u && u < now)
            {
                return $"the keys expired on {u:yyyy-MM-dd HH:mm} UTC";
            }

            summary = $"key {signature.Name}, its signature verifies" + (until is { } v ? $", valid until {v:yyyy-MM-dd HH:mm} UTC" : "");
            return null;
        }

        return "the keys carry no signature";
    }

    // Matrix writes keys and signatures in base64 without padding.
    private static byte[] Unpadded(string text) => Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
}
