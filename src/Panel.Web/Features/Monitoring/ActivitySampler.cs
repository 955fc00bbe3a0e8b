using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

/// <summary>
/// Reads the homeserver's request counters (Synapse's metrics) every few seconds and records what
/// was counted since the last reading in the homeserver's minute buckets, beside its memory: how
/// busy the server was when its memory was what it was.
/// </summary>
public sealed partial class ActivitySampler(HomeserverAccess homeserver, HomeserverNames names, MetricsStore store, TimeProvider clock, ILogger<ActivitySampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    private HomeserverActivity? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A homeserver that does not answer now is read again at the next tick.
                LogReadFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed, AdminAccessTokenProtected: not null })
        {
            _last = null;
            return;
        }

        var reading = await homeserver.CreateAdmin(d).GetActivityAsync(cancellationToken);
        if (reading is null)
        {
            return;
        }

        var (requests, syncs) = reading.Since(_last);
        _last = reading;
        var container = d.Mode == HomeserverMode.Managed ? names.Synapse : d.AttachedContainerName ?? ContainerComponents.Homeserver;
        store.RecordActivity(new SeriesInfo(ContainerComponents.Homeserver, container, ContainerComponents.Homeserver, d.Mode == HomeserverMode.Managed), clock.GetUtcNow(), requests, syncs);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the homeserver's counters failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
