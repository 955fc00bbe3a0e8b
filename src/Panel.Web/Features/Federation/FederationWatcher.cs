using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Federation;

/// <summary>
/// Watches federation in the background: every hour, a destination that shares rooms with this
/// server and has failed for a day raises an alert (and clears it when it recovers); every day,
/// the self-check runs, and an alert says when a server that federated stops passing it.
/// </summary>
public sealed partial class FederationWatcher(
    HomeserverAccess homeserver,
    FederationCheckService checks,
    Monitoring.AlertService alerts,
    TimeProvider clock,
    ILogger<FederationWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan FailingFor = TimeSpan.FromDays(1);
    public const string SelfCheckAlert = "federation:self-check";

    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly TimeSpan SelfCheckEvery = TimeSpan.FromDays(1);
    private readonly HashSet<string> _raised = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSelfCheck = DateTimeOffset.MinValue;

    public static string AlertKey(string destination) => "federation:" + destination;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A little after startup, not during it: the homeserver may still be starting.
        await Task.Delay(TimeSpan.FromMinutes(5), clock, stoppingToken);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await WatchDestinationsAsync(stoppingToken);
                if (clock.GetUtcNow() >= _nextSelfCheck)
                {
                    _nextSelfCheck = clock.GetUtcNow() + SelfCheckEvery;
                    await SelfCheckAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is DomainException or HttpRequestException)
            {
                LogWatchFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One look at the destinations: alerts for those down a day with rooms shared, cleared for the rest.</summary>
    public async Task WatchDestinationsAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            return;
        }

        var admin = homeserver.CreateAdmin(d);
        var down = new HashSet<string>(StringComparer.Ordinal);
        foreach (var destination in (await admin.ListDestinationsAsync(cancellationToken)).Where(x => x.FailingSince is { } since && clock.GetUtcNow() - since >= FailingFor))
        {
            var rooms = await admin.CountDestinationRoomsAsync(destination.Name, cancellationToken);
            if (rooms == 0)
            {
                continue;
            }

            down.Add(destination.Name);
            await alerts.RaiseOrRefreshAsync(AlertKey(destination.Name), $"{destination.Name} is unreachable",
                $"Messages to {destination.Name} have failed since {destination.FailingSince:yyyy-MM-dd HH:mm} UTC; {rooms} room(s) are shared with it. " +
                "Synapse keeps retrying; the Homeserver page can retry it now.", cancellationToken);
        }

        foreach (var gone in _raised.Except(down).ToList())
        {
            alerts.Resolve(AlertKey(gone));
        }

        _raised.Clear();
        _raised.UnionWith(down);
    }

    /// <summary>The daily self-check: alerts when it fails after it passed (a server that never federated is the owner's to see on the page).</summary>
    public async Task SelfCheckAsync(CancellationToken cancellationToken)
    {
        var before = await checks.LastAsync(cancellationToken);
        if (await homeserver.GetDeploymentAsync(cancellationToken) is not { Phase: InstallPhase.Installed })
        {
            return;
        }

        var report = await checks.CheckAsync(null, cancellationToken);
        if (report.Passed)
        {
            alerts.Resolve(SelfCheckAlert);
        }
        else if (before is { Passed: true } && report.FirstFailure is { } failed)
        {
            await alerts.RaiseAsync(SelfCheckAlert, "Federation stopped working",
                $"Other servers can no longer reach {report.ServerName}: step {failed.Number} ({failed.Title}) fails. {failed.Seen} Fix: {failed.Fix}", cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Federation watch skipped: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string reason);
}
