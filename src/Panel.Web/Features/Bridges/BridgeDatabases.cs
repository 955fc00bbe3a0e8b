using System.Text;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Bridges;

/// <summary>A bridge's own role and database in the homeserver's PostgreSQL (or where its SQLite file lives).</summary>
public sealed class BridgeDatabases(IContainerRuntime docker, HomeserverContainers homeserver, HomeserverNames names)
{
    /// <summary>Makes sure the bridge's database exists; returns where it is, in words.</summary>
    internal async Task<string> EnsureAsync(Bridge bridge, BridgeSecrets secret, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        switch (bridge.DatabaseKind)
        {
            case BridgeDatabaseKind.Postgres:
                var database = HomeserverNames.BridgeDatabase(bridge.CatalogId);
                await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
                await CreateAsync(names.Postgres, database, secret.DatabasePassword!, cancellationToken);
                return $"PostgreSQL database {database} (owner {database}) in {names.Postgres}.";
            case BridgeDatabaseKind.Sqlite:
                return $"SQLite: {BridgeCatalog.DataDirectory}/{bridge.CatalogId}.db in the volume {names.BridgeData(bridge.CatalogId, d.DataGeneration)}.";
            default:
                return "This bridge needs no database.";
        }
    }

    /// <summary>Creates (or updates) a bridge's role and database in a PostgreSQL container; also used by restores.</summary>
    public async Task CreateAsync(string container, string database, string password, CancellationToken cancellationToken)
    {
        // Identifiers are the panel's own (bridge_<id>); the password is random URL-safe text. Both go
        // through stdin, so the password is never on a command line.
        var sql = $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{database}') THEN
                CREATE ROLE {database} LOGIN PASSWORD '{password}';
              ELSE
                ALTER ROLE {database} LOGIN PASSWORD '{password}';
              END IF;
            END $$;
            SELECT 'CREATE DATABASE {database} OWNER {database} ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'' TEMPLATE template0'
              WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')\gexec
            """;
        await PsqlAsync(container, sql, cancellationToken);
    }

    /// <summary>Drops the bridge's database and role, when it has them.</summary>
    public async Task DropAsync(Bridge bridge, HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (bridge.DatabaseKind != BridgeDatabaseKind.Postgres || d.Database != HomeserverDatabase.Postgres)
        {
            return;
        }

        var database = HomeserverNames.BridgeDatabase(bridge.CatalogId);
        await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
        await PsqlAsync(names.Postgres, $"DROP DATABASE IF EXISTS {database} WITH (FORCE);\nDROP ROLE IF EXISTS {database};\n", cancellationToken);
    }

    private async Task PsqlAsync(string container, string sql, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(sql));
        var result = await docker.ExecAsync(container, PostgresCommands.Script(), null, cancellationToken, input);
        if (result.ExitCode != 0)
        {
            throw new DomainException($"PostgreSQL refused to set up the bridge's database: {result.StandardError.Trim()}");
        }
    }
}
