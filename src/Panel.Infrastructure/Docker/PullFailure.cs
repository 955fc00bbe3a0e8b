namespace Panel.Infrastructure.Docker;

/// <summary>Why a pull failed, in words: the engine's text ("dial tcp: lookup … no such host") stays as the details.</summary>
public static class PullFailure
{
    public static string Reason(string image, string? engineText)
    {
        var text = engineText ?? "";
        var registry = Registry(image);
        bool Has(string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
        if (Has("no such host") || Has("dial tcp") || Has("i/o timeout") || Has("connection refused") || Has("network is unreachable") || Has("TLS handshake timeout"))
        {
            return $"this machine cannot reach the registry {registry}";
        }

        if (Has("manifest unknown") || Has("not found"))
        {
            return $"the registry {registry} has no such image or tag";
        }

        if (Has("pull access denied") || Has("unauthorized") || Has("denied"))
        {
            return $"the registry {registry} refused it: the image is private, or does not exist";
        }

        if (Has("toomanyrequests") || Has("rate limit"))
        {
            return $"the registry {registry} limits how often this machine may pull; try again later";
        }

        return $"the registry {registry} did not deliver it";
    }

    /// <summary>The registry an image reference names: its first part when that looks like a host, Docker Hub otherwise.</summary>
    public static string Registry(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        var first = slash > 0 ? image[..slash] : "";
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : "docker.io";
    }
}
