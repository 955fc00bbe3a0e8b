using System.Security.Cryptography;
using System.Text;
using Panel.Domain.Common;

namespace Panel.Domain.ApiTokens;

/// <summary>
/// A bearer token for the REST API. Only a hash of it is kept: the plain text is shown once, when it
/// is issued, and cannot be recovered. Tokens carry 256 bits of randomness, so a plain SHA-256 is
/// enough (a slow password hash would only slow down every API call).
/// </summary>
public sealed class ApiToken
{
    public const string Prefix = "hsp_";
    public const int MaxNameLength = 100;

    private ApiToken() { }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>The panel account the token acts as.</summary>
    public string UserId { get; private set; } = "";

    /// <summary>Lowercase hex SHA-256 of the whole token text.</summary>
    public string Hash { get; private set; } = "";

    /// <summary>The first characters of the token, shown in lists so the owner can tell tokens apart.</summary>
    public string Hint { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? LastUsedAt { get; private set; }

    public string? LastUsedFrom { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsActive => RevokedAt is null;

    /// <summary>Makes a new token. The plain text is returned once and never stored.</summary>
    public static (ApiToken Token, string PlainText) Issue(string name, string userId, DateTimeOffset now)
    {
        var cleanName = Guard.NotBlank(name, "Token name", MaxNameLength);
        if (string.IsNullOrWhiteSpace(userId))
        {
            throw new DomainException("A token must belong to a panel account.");
        }

        var plain = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            Name = cleanName,
            UserId = userId,
            Hash = HashOf(plain),
            Hint = plain[..(Prefix.Length + 6)],
            CreatedAt = now,
        };
        return (token, plain);
    }

    public static string HashOf(string plainText) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plainText)));

    /// <summary>Whether a presented string even looks like one of our tokens (cheap pre-check before a lookup).</summary>
    public static bool LooksLikeToken(string? value) =>
        value is { Length: > 20 and < 200 } && value.StartsWith(Prefix, StringComparison.Ordinal);

    public void Revoke(DateTimeOffset now)
    {
        if (RevokedAt is not null)
        {
            throw new ConflictException($"The token '{Name}' is already revoked.");
        }

        RevokedAt = now;
    }

    public void RecordUse(DateTimeOffset now, string? from)
    {
        LastUsedAt = now;
        LastUsedFrom = from;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
