using Panel.Domain.Containers;

namespace Panel.Web.Features.Homeserver;

public sealed record SwarmNodeView(string Hostname, string Role, string State, string Availability, double Cpus, long MemoryBytes, bool IsLeader, bool IsThisNode);

/// <summary>A service of the panel's and how Swarm's last update of it went (a rollback shows here with Swarm's reason).</summary>
public sealed record SwarmServiceView(string Name, string Image, string? PreviousImage, int Replicas, int Running, string? UpdateState, string? UpdateMessage, string? LastError);

/// <summary>The engine's swarm as the Processes card shows it: its nodes with their capacity, the panel's services, and what Swarm mode does not solve.</summary>
public sealed record SwarmView(string State, bool IsManager, bool CanDeploy, string? Why, IReadOnlyList<SwarmNodeView> Nodes, IReadOnlyList<SwarmServiceView> Services, IReadOnlyList<string> Limits);

/// <summary>Reads the swarm the engine is in (nothing is changed here).</summary>
public sealed class SwarmStatus(ISwarmRuntime swarm)
{
    /// <summary>Said on the page whenever Swarm mode is offered: what it does not solve.</summary>
    public static readonly IReadOnlyList<string> Limits =
    [
        "One PostgreSQL serves every process: past a point it, not Synapse, is the bottleneck, and Swarm does not replicate it.",
        "Media lives in one volume on one node: the media worker, PostgreSQL and the main process stay on the node with the volumes. Spreading media needs storage every node can reach.",
        "Each node needs Synapse's image (a registry the nodes can pull from, or docker load on each); the panel does not copy images between nodes.",
        "Workers add processes, not memory: each is a Synapse process with its own caches.",
    ];

    public async Task<SwarmView> GetAsync(CancellationToken cancellationToken)
    {
        SwarmState state;
        try
        {
            state = await swarm.InspectAsync(cancellationToken);
        }
        catch (ContainerRuntimeUnavailableException e)
        {
            return new SwarmView("unknown", false, false, e.Message, [], [], Limits);
        }

        var why = state switch
        {
            { LocalState: "inactive" } => "This Docker engine is not in a swarm. On the server: docker swarm init (then docker swarm join on other machines).",
            { IsActiveManager: false, LocalState: "active" } => "This Docker engine is a swarm worker: the panel needs to talk to a manager.",
            { IsActiveManager: false } => $"This Docker engine's swarm is {state.LocalState}.",
            _ => null,
        };
        var services = new List<SwarmServiceView>();
        if (state.IsActiveManager)
        {
            foreach (var s in await swarm.ListOwnedServicesAsync(null, cancellationToken))
            {
                var tasks = await swarm.ListTasksAsync(s.Name, cancellationToken);
                var lastError = tasks.FirstOrDefault(t => t.Error is not null)?.Error;
                services.Add(new SwarmServiceView(s.Name, s.Image, s.PreviousImage, s.Replicas, tasks.Count(t => t.State == "running"), s.UpdateState, s.UpdateMessage, lastError));
            }
        }

        return new SwarmView(state.LocalState, state.IsManager, state.IsActiveManager, why,
            [.. state.Nodes.Select(n => new SwarmNodeView(n.Hostname, n.Role, n.State, n.Availability, n.Cpus, n.MemoryBytes, n.IsLeader, n.Id == state.NodeId))],
            services, Limits);
    }
}
