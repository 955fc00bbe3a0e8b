using Panel.Domain.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>The latest container events (start, die, oom, health changes) for pages that show them live.</summary>
public sealed class ContainerEventFeed
{
    private const int Capacity = 500;
    private readonly LinkedList<ContainerEvent> _events = new();
    private readonly Lock _lock = new();

    public event Action<ContainerEvent>? Received;

    public IReadOnlyList<ContainerEvent> Recent(int count = 100)
    {
        lock (_lock)
        {
            return _events.Take(count).ToList();
        }
    }

    public void Publish(ContainerEvent e)
    {
        lock (_lock)
        {
            _events.AddFirst(e);
            while (_events.Count > Capacity)
            {
                _events.RemoveLast();
            }
        }

        Received?.Invoke(e);
    }
}
