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

/// <summary>Protectors over a key ring other than the panel's own.</summary>
public static class SecretProtectors
{
    public static ISecretProtector FromKeyRing(DirectoryInfo keys) => SecretProtector.FromKeyRing(keys);
}

internal sealed class SecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    public const string ApplicationName = "homeserver-panel";
    private const string Purpose = "Panel.Secrets.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public static ISecretProtector FromKeyRing(DirectoryInfo keys) =>
        new SecretProtector(DataProtectionProvider.Create(keys, b => b.SetApplicationName(ApplicationName)));

    public string Protect(string plainText) => _protector.Protect(plainText);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
