using System.Collections.Concurrent;
using Panel.Domain.Containers;

namespace Panel.Testing.Fakes;

/// <summary>A container of the fake engine.</summary>
public sealed class FakeContainer(string id, string name, ContainerSpec spec)
{
    public string Id { get; } = id;

    public string Name { get; set; } = name;

    public ContainerSpec Spec { get; } = spec;

    public string State { get; set; } = "created";

    public long? MemoryLimitBytes { get; set; } = spec.MemoryLimitBytes;

    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>What the container printed (the fake engine prints nothing by itself; a test can).</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public ContainerInfo ToInfo() => new(
        Id, Name, Spec.Image,
        new Dictionary<string, string>(Spec.Labels) { [OwnershipLabels.Managed] = "true", [OwnershipLabels.Component] = Spec.Component },
        State, null, State == "running" ? DateTimeOffset.UtcNow : null, null, 0, false, 0, MemoryLimitBytes ?? 0, Spec.Ports);
}
