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

    /// <summary>A Synapse worker's container, also its host name on the homeserver's network.</summary>
    public string Worker(Panel.Domain.Homeserver.SynapseWorker worker) => $"{Prefix}-synapse-{worker.ContainerSuffix}";

    /// <summary>Swarm mode's attachable overlay network: services on any node, and the containers with volumes, meet on it.</summary>
    public string Overlay => $"{Prefix}-swarm";

    /// <summary>The start of the names of the Swarm secrets that carry Synapse's files to its services.</summary>
    public string SwarmFilePrefix => $"{Prefix}-synapse-file-";

    /// <summary>The Redis that Synapse's processes replicate through in worker mode.</summary>
    public string Redis => $"{Prefix}-redis";

    /// <summary>The reverse proxy (Caddy) the panel runs in front of Synapse, when the owner turns it on.</summary>
    public string Proxy => $"{Prefix}-proxy";

    /// <summary>Caddy's own data: certificates it obtained by ACME, and its ACME account.</summary>
    public string ProxyData => $"{Prefix}-proxy-data";

    /// <summary>The Synapse volume of a data generation (0 is the first install; restores add one).</summary>
    public string SynapseData(int generation) => $"{Prefix}-synapse-data" + Suffix(generation);

    public string PostgresData(int generation) => $"{Prefix}-postgres-data" + Suffix(generation);

    /// <summary>A throw-away container that a restore uses to fill volumes before they go live.</summary>
    public string RestoreHelper => $"{Prefix}-restore-helper";

    /// <summary>The PostgreSQL that a restore starts on the new volume to load the dump.</summary>
    public string RestorePostgres => $"{Prefix}-restore-postgres";

    /// <summary>A bridge's container; also its host name on the network, where Synapse reaches it.</summary>
    public string Bridge(string catalogId) => $"{Prefix}-bridge-{catalogId}";

    /// <summary>A bridge's container during an upgrade, until the new one is ready.</summary>
    public string BridgePrevious(string catalogId) => $"{Prefix}-bridge-{catalogId}-previous";

    public string BridgeData(string catalogId, int generation) => $"{Prefix}-bridge-{catalogId}-data" + Suffix(generation);

    private static string Suffix(int generation) => generation == 0 ? "" : $"-g{generation}";

    /// <summary>The PostgreSQL database (and role) of a bridge in the homeserver's database container.</summary>
    public static string BridgeDatabase(string catalogId) => "bridge_" + catalogId.Replace('-', '_');

    /// <summary>The panel's own account on the homeserver: reserved, never offered to users.</summary>
    public const string AdminLocalpart = "panel-admin";
}
