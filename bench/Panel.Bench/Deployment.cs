using Panel.Testing;

namespace Panel.Bench;

/// <summary>What the shipped deployment sets for the .NET runtime.</summary>
public static class Deployment
{
    public static string SystemdUnit => Path.Combine(TestEnvironment.RepoRoot, "deploy", "systemd", "homeserver-panel.service");

    /// <summary>The unit's <c>Environment=DOTNET_...</c> lines (tests check that the Dockerfile sets the same).</summary>
    public static IReadOnlyList<(string Key, string Value)> RuntimeEnvironment() =>
        File.ReadLines(SystemdUnit)
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Environment=DOTNET_", StringComparison.Ordinal))
            .Select(l => l["Environment=".Length..])
            .Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => (l[..l.IndexOf('=', StringComparison.Ordinal)], l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .ToList();
}
