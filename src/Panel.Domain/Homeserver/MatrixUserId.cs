using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>A Matrix user ID, <c>@localpart:server.name</c>, with the localpart rules of the Matrix spec.</summary>
public sealed record MatrixUserId
{
    public const int MaxLength = 255;

    private MatrixUserId(string localpart, string serverName)
    {
        Localpart = localpart;
        ServerName = serverName;
    }

    public string Localpart { get; }

    public string ServerName { get; }

    public string Value => $"@{Localpart}:{ServerName}";

    /// <summary>Lowercase a-z, 0-9 and . _ = - / + (the spec's rules for new user IDs).</summary>
    public static bool IsValidLocalpart(string? localpart) =>
        !string.IsNullOrEmpty(localpart) && localpart.Length <= 200 &&
        localpart.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '=' or '-' or '/' or '+');

    public static MatrixUserId Create(string localpart, string serverName)
    {
        if (!IsValidLocalpart(localpart))
        {
            throw new DomainException($"'{localpart}' is not a valid username: use lowercase letters, digits and . _ = - / + only.");
        }

        var id = new MatrixUserId(localpart, serverName);
        if (id.Value.Length > MaxLength)
        {
            throw new DomainException("That username is too long.");
        }

        return id;
    }

    /// <summary>Parses <c>@local:server</c>; localparts of existing (historical) users may be looser, so only the shape is checked.</summary>
    public static MatrixUserId Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || value[0] != '@' || value.IndexOf(':', StringComparison.Ordinal) < 2)
        {
            throw new DomainException($"'{value}' is not a Matrix user ID like @alice:example.org.");
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return new MatrixUserId(value[1..colon], value[(colon + 1)..]);
    }

    public override string ToString() => Value;
}
