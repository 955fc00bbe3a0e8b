using System.Globalization;
using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>
/// A Matrix server name: the part after the colon in <c>@alice:example.org</c>. It is a DNS hostname
/// (lowercase letters, digits and hyphens in dot-separated labels), optionally with a port. It can
/// never change once a homeserver has used it, so it is checked strictly up front.
/// </summary>
public sealed record ServerName
{
    private ServerName(string value) => Value = value;

    public string Value { get; }

    public string Host => Value.Split(':')[0];

    public int? Port => Value.Contains(':', StringComparison.Ordinal) ? int.Parse(Value.Split(':')[1], CultureInfo.InvariantCulture) : null;

    public static ServerName Parse(string? input)
    {
        if (TryParse(input, out var name, out var error))
        {
            return name!;
        }

        throw new DomainException(error!);
    }

    public static bool TryParse(string? input, out ServerName? name, out string? error)
    {
        name = null;
        var value = (input ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        if (value.Length == 0)
        {
            error = "A server name is required, for example example.org or matrix.example.org.";
            return false;
        }

        var parts = value.Split(':');
        if (parts.Length > 2)
        {
            error = $"'{input}' is not a server name: use a hostname, optionally with :port.";
            return false;
        }

        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
        {
            error = $"'{parts[1]}' is not a valid port.";
            return false;
        }

        var host = parts[0];
        // Say which characters are wrong before anything else: "my server!" is not a missing domain.
        var bad = host.Where(c => c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')).Distinct().ToList();
        if (bad.Count > 0)
        {
            error = $"A server name can only hold letters, digits, hyphens and dots; '{input!.Trim()}' has {string.Join(", ", bad.Select(Describe))}.";
            return false;
        }

        if (host.Length > 253)
        {
            error = "The hostname is longer than 253 characters.";
            return false;
        }

        var labels = host.Split('.');
        if (labels.Length < 2 && host != "localhost")
        {
            error = $"'{host}' is not a full hostname: it needs a domain, like example.org.";
            return false;
        }

        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                error = $"'{host}' is not a valid hostname: each part between dots must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.";
                return false;
            }
        }

        if (labels[^1].All(char.IsAsciiDigit))
        {
            error = $"'{host}' looks like an IP address; use a hostname so the server can keep its name if its address changes.";
            return false;
        }

        name = new ServerName(value);
        error = null;
        return true;
    }

    public override string ToString() => Value;

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        '\t' => "a tab",
        '_' => "an underscore (_)",
        _ when char.IsLetter(c) => $"'{c}' (an accented or non-Latin letter: use its punycode form, xn--…)",
        _ => $"'{c}'",
    };
}
