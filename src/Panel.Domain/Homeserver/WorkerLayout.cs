using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

public enum WorkerKind
{
    /// <summary>Client reads, sync and inbound federation (synapse.app.generic_worker with client and federation resources).</summary>
    Generic,

    /// <summary>Sends this server's events to other servers (a generic worker named in federation_sender_instances).</summary>
    FederationSender,

    /// <summary>Uploads, downloads and thumbnails, and the media admin API (a generic worker with the media resource).</summary>
    Media,
}

/// <summary>One Synapse worker process: its worker_name, what it does, and the port it serves HTTP on (0: none).</summary>
public sealed record SynapseWorker(string Name, WorkerKind Kind, int Port)
{
    /// <summary>Its container's name after the homeserver's ("…-synapse-federation-sender1"): also a host name on the network, where an underscore is not valid.</summary>
    public string ContainerSuffix => Name.Replace('_', '-');
}

/// <summary>
/// The processes Synapse runs as: the main process alone (the monolith), or with workers, as
/// Synapse's workers documentation splits them. Workers need PostgreSQL and Redis.
/// </summary>
public sealed record WorkerLayout(int GenericWorkers, bool FederationSender, bool MediaWorker)
{
    public const int MaxGenericWorkers = 8;

    /// <summary>Workers' HTTP ports inside the homeserver's network, from here up (8008 is the main process).</summary>
    public const int FirstWorkerPort = 8083;

    /// <summary>The main process's replication listener, which workers (never the internet) reach.</summary>
    public const int ReplicationPort = 9093;

    public static WorkerLayout Monolith { get; } = new(0, false, false);

    public bool IsMonolith => GenericWorkers == 0 && !FederationSender && !MediaWorker;

    /// <summary>A layout checked for what Synapse and this machine allow.</summary>
    public static WorkerLayout Create(int genericWorkers, bool federationSender, bool mediaWorker, HomeserverDatabase database)
    {
        if (genericWorkers is < 0 or > MaxGenericWorkers)
        {
            throw new DomainException($"Between 0 and {MaxGenericWorkers} generic workers: each is a Synapse process of its own, with its own memory.");
        }

        var layout = new WorkerLayout(genericWorkers, federationSender, mediaWorker);
        if (!layout.IsMonolith && database != HomeserverDatabase.Postgres)
        {
            throw new DomainException("Synapse's workers share one PostgreSQL database; this homeserver uses SQLite. Install it with PostgreSQL (or restore a backup into one) first.");
        }

        return layout;
    }

    /// <summary>The media worker, when the layout has one.</summary>
    public SynapseWorker? Media => MediaWorker ? new SynapseWorker("media1", WorkerKind.Media, FirstWorkerPort + MaxGenericWorkers) : null;

    /// <summary>The workers, in a stable order: generic1…N, federation_sender1, media1.</summary>
    public IReadOnlyList<SynapseWorker> Workers()
    {
        var workers = new List<SynapseWorker>();
        for (var i = 1; i <= GenericWorkers; i++)
        {
            workers.Add(new SynapseWorker($"generic{i}", WorkerKind.Generic, FirstWorkerPort + i - 1));
        }

        if (FederationSender)
        {
            workers.Add(new SynapseWorker("federation_sender1", WorkerKind.FederationSender, 0));
        }

        if (Media is { } media)
        {
            workers.Add(media);
        }

        return workers;
    }

    public override string ToString() => IsMonolith ? "one process"
        : string.Join(", ", new[]
        {
            GenericWorkers > 0 ? $"{GenericWorkers} generic worker{(GenericWorkers == 1 ? "" : "s")}" : null,
            FederationSender ? "a federation sender" : null,
            MediaWorker ? "a media worker" : null,
        }.Where(p => p is not null)) + " beside the main process";
}
