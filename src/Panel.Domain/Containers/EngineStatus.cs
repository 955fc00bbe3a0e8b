namespace Panel.Domain.Containers;

/// <summary>What the container engine said when last asked, in words fit for a status banner.</summary>
public sealed record EngineStatus(bool Reachable, string? Version, string? ApiVersion, string Message, DateTimeOffset CheckedAt)
{
    public static EngineStatus Unknown { get; } = new(false, null, null, "The Docker Engine has not been checked yet.", DateTimeOffset.MinValue);
}
