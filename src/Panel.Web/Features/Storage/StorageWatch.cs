using Microsoft.Extensions.Options;
using Panel.Domain.Homeserver;
using Panel.Domain.Storage;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Storage;

public sealed class StorageOptions
{
    public const string Section = "Panel:Storage";

    /// <summary>Alert when less than this share of the disk is free.</summary>
    public int DiskFreeAlertPercent { get; set; } = 10;

    /// <summary>How often the disk and what can be taken back are measured for the alert.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = new List<string>();
        if (options.DiskFreeAlertPercent is < 1 or > 100)
        {
            errors.Add($"{StorageOptions.Section}:DiskFreeAlertPercent must be between 1 and 100.");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(5) || options.CheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"{StorageOptions.Section}:CheckInterval must be between 00:00:05 and 1.00:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Raises the disk alert (a banner on every admin page, and the owner's server notice) when the disk
/// is low or fills within two weeks, naming the biggest thing the Storage page can take back.
/// </summary>
public sealed partial class StorageWatch(
    StorageService storage,
    StorageInspector inspector,
    HomeserverAccess homeserver,
    AlertService alerts,
    IOptions<StorageOptions> options,
    TimeProvider clock,
    ILogger<StorageWatch> logger) : BackgroundService
{
    public const string AlertKey = "disk";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, clock);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // No homeserver yet, or it does not answer: measured at the next tick.
                LogCheckFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed, AdminAccessTokenProtected: not null })
        {
            return;
        }

        // Not the whole report: its table sizes read every page of a SQLite file, too much every hour.
        var growth = await storage.GrowthAsync(cancellationToken);
        var (files, bytes) = await inspector.RemoteMediaBeforeAsync(d, clock.GetUtcNow().AddDays(-30), cancellationToken);
        List<Reclaimable> reclaimable = [new($"{files:N0} cached remote media file(s) unused for 30 days", bytes)];
        reclaimable.AddRange((await storage.AbandonedAsync(homeserver.CreateAdmin(d), d, cancellationToken))
            .Select(r => new Reclaimable($"room {r.Name ?? r.Alias ?? r.RoomId}, which no member here is in any more", r.Bytes)));
        var alert = DiskWatch.Evaluate(growth.DiskFreeBytes, growth.DiskTotalBytes, growth.DaysUntilFull, options.Value.DiskFreeAlertPercent, reclaimable);
        if (alert is null)
        {
            alerts.Resolve(AlertKey);
        }
        else
        {
            await alerts.RaiseOrRefreshAsync(AlertKey, alert.Title, alert.Message, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The disk check did not run: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string reason);
}
