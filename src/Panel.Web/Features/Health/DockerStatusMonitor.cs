using Panel.Domain.Containers;
using Panel.Infrastructure.Docker;

namespace Panel.Web.Features.Health;

/// <summary>
/// Keeps the last known state of the Docker Engine, checked every few seconds, so that every page can
/// show a banner when Docker is gone without each asking Docker itself.
/// </summary>
public sealed class DockerStatusMonitor(IDockerEngineProbe probe) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public EngineStatus Current { get; private set; } = EngineStatus.Unknown;

    /// <summary>Raised when reachability flips; handlers must be quick (UI handlers use InvokeAsync).</summary>
    public event Action<EngineStatus>? Changed;

    public async Task<EngineStatus> RefreshAsync(CancellationToken cancellationToken)
    {
        var status = await probe.CheckAsync(cancellationToken);
        var flipped = status.Reachable != Current.Reachable || Current == EngineStatus.Unknown;
        Current = status;
        if (flipped)
        {
            Changed?.Invoke(status);
        }

        return status;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
