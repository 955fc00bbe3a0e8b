namespace Panel.Domain.Homeserver;

/// <summary>The processes Synapse runs as (the monolith, or with workers), and the secret they share.</summary>
public sealed partial class HomeserverDeployment
{
    public int GenericWorkers { get; private set; }

    public bool FederationSenderWorker { get; private set; }

    public bool MediaWorker { get; private set; }

    /// <summary>Each worker's memory limit; null: the main process's.</summary>
    public long? WorkerMemoryLimitBytes { get; private set; }

    /// <summary>The port on 127.0.0.1 where the panel reaches the media worker (which then serves the media admin API).</summary>
    public int? MediaWorkerHostPort { get; private set; }

    /// <summary>Authenticates replication requests between Synapse's processes; made with the first workers.</summary>
    public string? ReplicationSecretProtected { get; private set; }

    /// <summary>
    /// Swarm mode (ADR-018): the workers that hold no volume (generic, federation sender) and Redis run
    /// as Swarm services, on any node; the main process, PostgreSQL and the media worker stay containers
    /// on the node with the volumes.
    /// </summary>
    public bool WorkersOnSwarm { get; private set; }

    /// <summary>The image the Swarm services run after a rolling update; null: <see cref="SynapseImage"/>.</summary>
    public string? WorkerImage { get; private set; }

    public const long MinimumWorkerMemoryBytes = 64L * 1024 * 1024;

    /// <summary>The image a worker of this kind runs now.</summary>
    public string ImageOf(SynapseWorker worker) => RunsAsService(worker) ? WorkerImage ?? SynapseImage : SynapseImage;

    /// <summary>Whether <paramref name="worker"/> is a Swarm service (it holds no volume) or a container.</summary>
    public bool RunsAsService(SynapseWorker worker) => WorkersOnSwarm && worker.Kind != WorkerKind.Media;

    public WorkerLayout Workers => new(GenericWorkers, FederationSenderWorker, MediaWorker);

    public void ApplyWorkers(WorkerLayout layout, long? workerMemoryLimitBytes, string replicationSecretProtected, int? mediaWorkerHostPort, bool onSwarm = false)
    {
        if (onSwarm && layout.IsMonolith)
        {
            throw new Common.DomainException("Swarm mode runs Synapse's workers as services: choose at least one worker.");
        }

        if (workerMemoryLimitBytes is < MinimumWorkerMemoryBytes)
        {
            throw new Common.DomainException($"A worker needs at least {MinimumWorkerMemoryBytes / (1024 * 1024)} MiB: it is a Synapse process of its own.");
        }

        WorkerMemoryLimitBytes = workerMemoryLimitBytes;
        var checkedLayout = WorkerLayout.Create(layout.GenericWorkers, layout.FederationSender, layout.MediaWorker, Database);
        GenericWorkers = checkedLayout.GenericWorkers;
        FederationSenderWorker = checkedLayout.FederationSender;
        MediaWorker = checkedLayout.MediaWorker;
        ReplicationSecretProtected ??= replicationSecretProtected;
        MediaWorkerHostPort = checkedLayout.MediaWorker ? MediaWorkerHostPort ?? mediaWorkerHostPort : null;
        if (onSwarm != WorkersOnSwarm)
        {
            WorkerImage = null;
        }

        WorkersOnSwarm = onSwarm;
    }

    /// <summary>After Swarm finished a rolling update of the services to <paramref name="image"/>.</summary>
    public void RolledOutWorkers(string image)
    {
        if (!WorkersOnSwarm)
        {
            throw new Common.DomainException("A rolling update is for workers that run as Swarm services.");
        }

        WorkerImage = image == SynapseImage ? null : image;
    }

    public void UseOneProcess()
    {
        GenericWorkers = 0;
        FederationSenderWorker = false;
        MediaWorker = false;
        MediaWorkerHostPort = null;
        WorkersOnSwarm = false;
        WorkerImage = null;
    }

    /// <summary>Work that replaces Synapse's container or data (upgrade, restore) is for one process: its workers would be left on the old ones.</summary>
    public void EnsureOneProcess(string what)
    {
        if (!Workers.IsMonolith)
        {
            throw new Common.DomainException($"Synapse runs as {Workers}. Go back to one process first (Processes), then {what}: its workers would be left behind.");
        }
    }
}
