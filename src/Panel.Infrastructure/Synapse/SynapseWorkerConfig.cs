using Panel.Domain.Homeserver;
using YamlDotNet.Serialization;

namespace Panel.Infrastructure.Synapse;

/// <summary>Where the workers find each other: the main process and Redis by host name, and each worker's container name.</summary>
public sealed record WorkerNetwork(string MainHost, string RedisHost, Func<SynapseWorker, string> WorkerHost, string ReplicationSecret);

/// <summary>
/// Synapse's documented worker configuration (workers.md, shipped with the package): what the shared
/// homeserver.yaml gains, each worker's own file, and which paths the proxy sends to which worker.
/// </summary>
public static class SynapseWorkerConfig
{
    public const string WorkerDirectory = "workers";
    public const int RedisPort = 6379;

    /// <summary>Settings merged into homeserver.yaml for a layout with workers (none for the monolith).</summary>
    public static IReadOnlyDictionary<string, object?> SharedSettings(WorkerLayout layout, WorkerNetwork network)
    {
        if (layout.IsMonolith)
        {
            return new Dictionary<string, object?>();
        }

        var workers = layout.Workers();
        var instances = new Dictionary<string, object?> { ["main"] = Instance(network.MainHost, WorkerLayout.ReplicationPort) };
        var settings = new Dictionary<string, object?>
        {
            ["redis"] = new Dictionary<string, object?> { ["enabled"] = true, ["host"] = network.RedisHost, ["port"] = RedisPort },
            ["worker_replication_secret"] = network.ReplicationSecret,
            ["instance_map"] = instances,
        };
        if (workers.FirstOrDefault(w => w.Kind == WorkerKind.FederationSender) is { } sender)
        {
            settings["federation_sender_instances"] = new List<string> { sender.Name };
        }

        if (workers.FirstOrDefault(w => w.Kind == WorkerKind.Media) is { } media)
        {
            // The main process stops serving media; the media worker runs its background jobs, and
            // writes the quarantine stream, whose admin endpoints only a media-capable process has.
            settings["enable_media_repo"] = false;
            settings["media_instance_running_background_jobs"] = media.Name;
            settings["stream_writers"] = new Dictionary<string, object?> { ["quarantined_media_changes"] = new List<string> { media.Name } };
            instances[media.Name] = Instance(network.WorkerHost(media), media.Port);
        }

        return settings;
    }

    /// <summary>The main process's replication listener: on the homeserver's network only, never published.</summary>
    public static Dictionary<string, object?> ReplicationListener() => new()
    {
        ["port"] = WorkerLayout.ReplicationPort,
        ["bind_addresses"] = new List<string> { "0.0.0.0" },
        ["type"] = "http",
        ["resources"] = new List<object> { new Dictionary<string, object?> { ["names"] = new List<string> { "replication" } } },
    };

    /// <summary>A worker's own file, read after homeserver.yaml (<c>--config-path homeserver.yaml --config-path workers/NAME.yaml</c>).</summary>
    public static string WorkerYaml(SynapseWorker worker)
    {
        var config = new Dictionary<string, object?>
        {
            // The media worker keeps the media repository's own app name: with enable_media_repo off in
            // the shared file, Synapse loads the media repository only in a process that says it is one.
            ["worker_app"] = worker.Kind == WorkerKind.Media ? "synapse.app.media_repository" : "synapse.app.generic_worker",
            ["worker_name"] = worker.Name,
        };
        string[]? resources = worker.Kind switch
        {
            WorkerKind.Generic => ["client", "federation"],
            // A stream writer answers replication requests on its listener too.
            WorkerKind.Media => ["media", "replication"],
            _ => null,
        };
        if (resources is not null)
        {
            config["worker_listeners"] = new List<object>
            {
                new Dictionary<string, object?>
                {
                    ["type"] = "http",
                    ["port"] = worker.Port,
                    ["bind_addresses"] = new List<string> { "0.0.0.0" },
                    ["x_forwarded"] = true,
                    ["resources"] = new List<object> { new Dictionary<string, object?> { ["names"] = resources.ToList() } },
                },
            };
        }

        return new SerializerBuilder().Build().Serialize(config);
    }

    /// <summary>The file of a worker inside the data volume.</summary>
    public static string WorkerConfigPath(SynapseWorker worker) => $"{SynapseConfig.DataDirectory}/{WorkerDirectory}/{worker.Name}.yaml";

    /// <summary>How a worker is started with the image's Python: the shared file, then its own.</summary>
    public static IReadOnlyList<string> WorkerCommand(SynapseWorker worker) =>
        ["python3", "-m", "synapse.app.generic_worker", "--config-path", SynapseConfig.ConfigPath, "--config-path", WorkerConfigPath(worker)];

    private static Dictionary<string, object?> Instance(string host, int port) => new() { ["host"] = host, ["port"] = port };
}
