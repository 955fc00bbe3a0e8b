using Panel.Infrastructure.Synapse;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Where things are in the homeserver the panel runs: its PostgreSQL role and database, and where
/// appservice registrations live in Synapse's volume. One home for these facts, which the installer,
/// the bridges, the backups and monitoring all need (container names are in <see cref="HomeserverNames"/>).
/// </summary>
public static class SynapseLayout
{
    public const string PostgresUser = "synapse";

    public const string PostgresDatabase = "synapse";

    /// <summary>The folder of Synapse's volume that holds the bridges' registrations.</summary>
    public const string AppServiceDirectory = "appservices";

    /// <summary>Where a bridge's registration lives in Synapse's volume.</summary>
    public static string AppServiceRegistrationPath(string catalogId) => $"{SynapseConfig.DataDirectory}/{AppServiceDirectory}/{catalogId}.yaml";
}
