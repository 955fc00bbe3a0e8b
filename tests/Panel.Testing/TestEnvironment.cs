namespace Panel.Testing;

/// <summary>
/// Where the real services are. tests/run.sh starts them and exports these variables; the defaults
/// are what run.sh sets up, so a test run by hand after run.sh finds them too. A missing service makes
/// the test fail with a message that says how to start it, never skip.
/// </summary>
public static class TestEnvironment
{
    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable("PANEL_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=5432;Username=panel_test;Password=panel_test;Database=postgres";

    public static string DockerEndpoint =>
        Environment.GetEnvironmentVariable("PANEL_TEST_DOCKER") ?? "unix:///var/run/docker.sock";

    public static string SynapseImage =>
        Environment.GetEnvironmentVariable("PANEL_TEST_SYNAPSE_IMAGE") ?? "homeserver-panel/synapse:latest";

    /// <summary>A tag that deploy/images/build-from-debian.sh test-variants makes of the Synapse image ("broken", "next", "noentry").</summary>
    public static string SynapseImageVariant(string tag) => "homeserver-panel/synapse:" + tag;

    public static string PostgresImage =>
        Environment.GetEnvironmentVariable("PANEL_TEST_POSTGRES_IMAGE") ?? "homeserver-panel/postgres:latest";

    /// <summary>The proxy the panel runs (deploy/images/build-from-debian.sh caddy), the panel's default Panel:ReverseProxy:Image.</summary>
    public static string CaddyImage => "homeserver-panel/caddy:latest";

    public static string EchoBridgeImage =>
        Environment.GetEnvironmentVariable("PANEL_TEST_ECHO_IMAGE") ?? "homeserver-panel/echo-bridge:latest";

    /// <summary>The base the panel's image is built on when no registry is reachable (deploy/images/build-from-debian.sh panel-base).</summary>
    public static string PanelBaseImage =>
        Environment.GetEnvironmentVariable("PANEL_TEST_PANEL_BASE_IMAGE") ?? "homeserver-panel/panel-base:sid";

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("PANEL_TEST_CHROMIUM") ?? "/usr/bin/chromium";

    public static string HowToStart => "Run tests/run.sh, which installs and starts PostgreSQL, dockerd, Chromium and the test images.";

    /// <summary>The repository root (the folder with Panel.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Debug or Release: the configuration these tests were built in, used to find the panel's build.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>A folder under the test output for screenshots and logs, kept after the run.</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            var dir = Path.Combine(RepoRoot, "artifacts", "tests");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>
    /// Where the tests' data directories go: one folder that tests/run.sh empties before a run, so
    /// that panels killed mid-test do not pile up in /tmp run after run.
    /// </summary>
    public static string TempRoot { get; } = Path.Combine(Path.GetTempPath(), "homeserver-panel-tests");

    public static string NewTempDirectory(string prefix)
    {
        var dir = Path.Combine(TempRoot, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Panel.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find Panel.sln above " + AppContext.BaseDirectory);
    }
}
