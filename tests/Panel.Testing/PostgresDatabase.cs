using Npgsql;
using Xunit;

namespace Panel.Testing;

/// <summary>A fresh, empty PostgreSQL database on the host's server, dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public string Name { get; } = "panel_test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        try
        {
            await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdminConnectionString);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable with PANEL_TEST_POSTGRES ({Redact(TestEnvironment.PostgresAdminConnectionString)}). {TestEnvironment.HowToStart}", ex);
        }

        // Pooled with a small cap: a test that fires a hundred requests at once must queue for
        // connections, not exhaust the server's max_connections shared with the tests running beside it.
        ConnectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdminConnectionString) { Database = Name, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdminConnectionString);
        await admin.OpenAsync();
        // FORCE ends our own sessions, but not an autovacuum worker that happens to be in the database
        // (PostgreSQL 18 refuses to signal it without pg_signal_autovacuum_worker): such a worker is done
        // within moments, so the drop is asked again until it goes through.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                return true;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                return false;
            }
        }, $"dropping the test database {Name}", TimeSpan.FromSeconds(30));
    }

    private static string Redact(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = "***" }.ConnectionString;
}
