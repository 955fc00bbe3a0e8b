namespace Panel.Infrastructure.Configuration;

/// <summary>The <c>Panel</c> section: where the panel keeps its own state.</summary>
public sealed class PanelOptions
{
    public const string Section = "Panel";

    /// <summary>
    /// Holds the SQLite database, the Data Protection keys and the backups. Relative paths are taken
    /// from the current directory, so <c>dotnet run</c> from the repository keeps everything in <c>data/</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The address at which people reach the panel, used in invite links. When empty, links are made
    /// from the address of the request.
    /// </summary>
    public string? PublicUrl { get; set; }

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);
}

/// <summary>The <c>Panel:Database</c> section, plus <c>ConnectionStrings:Panel</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Panel:Database";
    public const string ConnectionStringKey = "ConnectionStrings:Panel";

    /// <summary><c>Sqlite</c> (the default, a file in the data directory) or <c>Postgres</c>.</summary>
    public string Provider { get; set; } = DatabaseProviders.Sqlite;

    /// <summary>Bound from <c>ConnectionStrings:Panel</c>. Required for Postgres; optional for SQLite.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, DatabaseProviders.Postgres, StringComparison.OrdinalIgnoreCase);
}

public static class DatabaseProviders
{
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";
}

/// <summary>The <c>Panel:Docker</c> section.</summary>
public sealed class DockerOptions
{
    public const string Section = "Panel:Docker";

    /// <summary>
    /// The Docker Engine endpoint: the local socket by default, or a TCP address of a socket proxy
    /// that only lets through what the panel needs (see the README on why that matters).
    /// </summary>
    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>
    /// Prefix of every container, network and volume name the panel creates, and the value of the
    /// <c>homeserver-panel.instance</c> label: two panels on one engine keep apart by it.
    /// </summary>
    public string NamePrefix { get; set; } = "hsp";

    /// <summary>Extra labels put on everything the panel creates (for example, to find test leftovers).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];
}
