using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Storage;

/// <summary>
/// Runs SQL on the homeserver's own database, inside its containers: psql in the PostgreSQL container,
/// Python's sqlite3 in Synapse's (the Synapse image has no sqlite3 command). One place that knows how
/// each engine is reached, for the Storage page's readings and its maintenance.
/// </summary>
public sealed class SynapseDatabase(IContainerRuntime docker, HomeserverNames names)
{
    public const string SqlitePath = "/data/homeserver.db";

    // Reads open the file read-only, so that a reading can never write into Synapse's database; the
    // script prints tab-separated rows, as psql -tA -F does.
    private const string SqliteReader =
        "import sqlite3, sys\n" +
        "c = sqlite3.connect('file:" + SqlitePath + "?mode=ro', uri=True, timeout=30)\n" +
        "for row in c.execute(sys.argv[1]):\n" +
        "    print('\\t'.join('' if v is None else str(v) for v in row))\n";

    private const string SqliteWriter =
        "import sqlite3, sys\n" +
        "c = sqlite3.connect('" + SqlitePath + "', timeout=60, isolation_level=None)\n" +
        "c.execute(sys.argv[1])\n";

    /// <summary>The rows of a query, each as its columns' text (empty for NULL).</summary>
    public async Task<IReadOnlyList<string[]>> QueryAsync(HomeserverDeployment d, string sql, CancellationToken cancellationToken)
    {
        var result = await RunAsync(d, sql, write: false, cancellationToken);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split('\t')).ToList();
    }

    /// <summary>Runs a statement that changes the database (VACUUM, ANALYZE).</summary>
    public Task ExecuteAsync(HomeserverDeployment d, string sql, CancellationToken cancellationToken) =>
        RunAsync(d, sql, write: true, cancellationToken);

    /// <summary>Runs a statement on the SQLite file from another container that mounts Synapse's data (while Synapse is stopped).</summary>
    public async Task ExecuteInAsync(string container, string sql, CancellationToken cancellationToken)
    {
        var result = await docker.ExecAsync(container, ["python3", "-c", SqliteWriter, sql], null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new DomainException("SQLite refused: " + result.StandardError.Trim());
        }
    }

    /// <summary>The database's size on disk: PostgreSQL's own figure, or the SQLite file with its write-ahead log.</summary>
    public async Task<long> SizeAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (d.Database == HomeserverDatabase.Postgres)
        {
            return Number((await QueryAsync(d, $"SELECT pg_database_size('{SynapseLayout.PostgresDatabase}')", cancellationToken))[0][0]);
        }

        var result = await docker.ExecAsync(names.Synapse, ["sh", "-c", $"cat {SqlitePath} {SqlitePath}-wal 2>/dev/null | wc -c"], null, cancellationToken);
        return result.ExitCode == 0 && NumberOrNull(result.StandardOutput.Trim()) is { } bytes
            ? bytes
            : throw new DomainException("The SQLite file's size could not be read: " + result.StandardError.Trim());
    }

    /// <summary>A text as an SQL string literal (quotes doubled), for values that cannot be passed as parameters through psql -c or the script.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static long Number(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;

    public static long? NumberOrNull(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    private async Task<ExecResult> RunAsync(HomeserverDeployment d, string sql, bool write, CancellationToken cancellationToken)
    {
        if (d.Mode != HomeserverMode.Managed)
        {
            throw new ConflictException("The database can only be read for a homeserver the panel runs; an attached one keeps its database to itself.");
        }

        IReadOnlyList<string> command = d.Database == HomeserverDatabase.Postgres
            ? ["psql", "-v", "ON_ERROR_STOP=1", "-U", SynapseLayout.PostgresUser, "-d", SynapseLayout.PostgresDatabase, "-tA", "-F", "\t", "-c", sql]
            : ["python3", "-c", write ? SqliteWriter : SqliteReader, sql];
        var result = await docker.ExecAsync(d.Database == HomeserverDatabase.Postgres ? names.Postgres : names.Synapse, command, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            var error = result.StandardError.Trim();
            throw new DomainException("The homeserver's database refused a query: " + (error.Length > 300 ? error[^300..] : error));
        }

        return result;
    }
}
