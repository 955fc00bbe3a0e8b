namespace Panel.Web.Features.Homeserver;

/// <summary>
/// The PostgreSQL client commands the panel runs inside the homeserver's database container (and the
/// restore's temporary one), as the homeserver's role: one place that knows the role, the flags and
/// the database, for the installer, the bridges, backups, restores and monitoring.
/// </summary>
public static class PostgresCommands
{
    /// <summary>Exits 0 once the server accepts TCP connections (not just its socket during initdb).</summary>
    public static IReadOnlyList<string> IsReady { get; } =
        ["pg_isready", "-h", "127.0.0.1", "-U", SynapseLayout.PostgresUser, "-d", SynapseLayout.PostgresDatabase];

    /// <summary>Runs one SQL command; with <paramref name="tuplesOnly"/>, prints bare values (for reading a number).</summary>
    public static IReadOnlyList<string> Sql(string sql, bool tuplesOnly = false, string database = SynapseLayout.PostgresDatabase) =>
        ["psql", "-U", SynapseLayout.PostgresUser, "-d", database, tuplesOnly ? "-tAc" : "-qc", sql];

    /// <summary>Runs the script given on standard input, stopping at the first error.</summary>
    public static IReadOnlyList<string> Script(string database = SynapseLayout.PostgresDatabase) =>
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", SynapseLayout.PostgresUser, "-d", database, "-f", "-"];

    /// <summary>A custom-format dump of a database on standard output.</summary>
    public static IReadOnlyList<string> Dump(string database) =>
        ["pg_dump", "-U", SynapseLayout.PostgresUser, "-d", database, "-Fc", "--no-owner"];

    /// <summary>Restores a custom-format dump read on standard input; objects belong to <paramref name="owner"/> when given.</summary>
    public static IReadOnlyList<string> Restore(string database, string? owner)
    {
        List<string> command = ["pg_restore", "-U", SynapseLayout.PostgresUser, "-d", database, "--no-owner", "--exit-on-error"];
        if (owner is not null)
        {
            command.Add("--role=" + owner);
        }

        return command;
    }
}
