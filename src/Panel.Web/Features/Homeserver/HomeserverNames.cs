using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;

namespace Panel.Web.Features.Homeserver;

/// <summary>The names of the Docker objects of the homeserver, all under <c>Panel:Docker:NamePrefix</c>.</summary>
public sealed class HomeserverNames(IOptions<DockerOptions> docker)
{
    private string Prefix => docker.Value.NamePrefix;

    public string Network => $"{Prefix}-net";

    public string Synapse => $"{Prefix}-synapse";

    /// <summary>The old Synapse container, kept (stopped) during an upgrade until the new one is healthy.</summary>
    public string SynapsePrevious => $"{Prefix}-synapse-previous";

    public string Postgres => $"{Prefix}-postgres";

    public string SynapseData => $"{Prefix}-synapse-data";

    public string PostgresData => $"{Prefix}-postgres-data";

    /// <summary>A bridge's container; also its host name on the network, where Synapse reaches it.</summary>
    public string Bridge(string catalogId) => $"{Prefix}-bridge-{catalogId}";

    /// <summary>A bridge's container during an upgrade, until the new one is ready.</summary>
    public string BridgePrevious(string catalogId) => $"{Prefix}-bridge-{catalogId}-previous";

    public string BridgeData(string catalogId) => $"{Prefix}-bridge-{catalogId}-data";

    /// <summary>The PostgreSQL database (and role) of a bridge in the homeserver's database container.</summary>
    public static string BridgeDatabase(string catalogId) => "bridge_" + catalogId.Replace('-', '_');

    /// <summary>The panel's own account on the homeserver: reserved, never offered to users.</summary>
    public const string AdminLocalpart = "panel-admin";
}
