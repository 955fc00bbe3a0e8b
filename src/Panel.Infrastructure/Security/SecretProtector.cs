using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Panel.Infrastructure.Security;

/// <summary>
/// Encrypts secrets that the panel must keep (access tokens, shared secrets, Stripe keys) with ASP.NET
/// Data Protection, whose keys live in the data directory. Nothing else may store a secret in clear.
/// </summary>
public interface ISecretProtector
{
    string Protect(string plainText);

    /// <summary>Decrypts; throws <see cref="CryptographicException"/> when the keys no longer match.</summary>
    string Unprotect(string protectedText);
}

internal sealed class SecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("Panel.Secrets.v1");

    public string Protect(string plainText) => _protector.Protect(plainText);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
