namespace Panel.EndToEnd.Tests.Serial;

/// <summary>
/// The classes that need the machine to themselves also need each other out of the way: a dockerd
/// restart takes the socket away from an image build or a container start running beside it. One
/// collection runs them one after the other (the serial phase only keeps them from the other tests).
/// </summary>
[CollectionDefinition(Name)]
public sealed class MachineAlone
{
    public const string Name = "The machine alone";
}
