using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

public sealed record ActiveAlert(string Key, string Severity, string Title, string Message, DateTimeOffset Since);

/// <summary>
/// Watches for what needs the owner: a container's memory near its limit for minutes on end, an
/// out-of-memory kill, or a homeserver that stopped answering. An alert shows as a banner on every
/// admin page, goes into the timeline, and can be sent to the owner as a Matrix server notice.
/// </summary>
public sealed partial class AlertService(
    IDbContextFactory<PanelDbContext> contexts,
    MetricsStore metrics,
    ContainerEventFeed events,
    HomeserverAccess homeserver,
    IHomeserverAdminFactory admins,
    HomeserverEndpoint endpoint,
    TimelineRecorder timeline,
    Panel.Web.Features.Audit.IAuditLog audit,
    TimeProvider clock,
    ILogger<AlertService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan OomAlertLifetime = TimeSpan.FromHours(1);
    private readonly Dictionary<string, ActiveAlert> _active = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset? _unhealthySince;

    public event Action? Changed;

    public IReadOnlyList<ActiveAlert> Active
    {
        get
        {
            lock (_lock)
            {
                return _active.Values.OrderByDescending(a => a.Since).ToList();
            }
        }
    }

    public async Task<AlertSettings> GetSettingsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AlertSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? AlertSettings.Default();
    }

    public async Task<AlertSettings> SaveSettingsAsync(int memoryPercent, int memoryMinutes, int unhealthyMinutes, string? notifyMatrixUserId, Panel.Web.Features.Audit.AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.AlertSettings.SingleOrAddAsync(AlertSettings.Default, cancellationToken);

        settings.Change(memoryPercent, memoryMinutes, unhealthyMinutes, notifyMatrixUserId);
        await db.SaveChangesAsync(cancellationToken);

        // Alerts raised under the old rules are judged again under the new ones at the next pass,
        // and notify whoever the settings name now.
        bool forgot;
        lock (_lock)
        {
            var ruled = _active.Keys.Where(k => k.StartsWith("memory:", StringComparison.Ordinal) || k.StartsWith("unhealthy", StringComparison.Ordinal)).ToList();
            ruled.ForEach(k => _active.Remove(k));
            forgot = ruled.Count > 0;
        }

        if (forgot)
        {
            Changed?.Invoke();
        }

        await audit.RecordAsync(actor, "alerts.settings-changed", "alerts", Panel.Domain.Audit.AuditOutcome.Success,
            $"memory over {memoryPercent}% for {memoryMinutes} min, unhealthy for {unhealthyMinutes} min, notify {notifyMatrixUserId ?? "nobody"}", cancellationToken);
        return settings;
    }

    /// <summary>Raises an alert that another part of the panel detected (a failed backup, say).</summary>
    public async Task RaiseAsync(string key, string title, string message, CancellationToken cancellationToken) =>
        await RaiseAsync(new ActiveAlert(key, "error", title, message, clock.GetUtcNow()), await GetSettingsAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Raises the alert, or, when it is up already, brings its words up to date without notifying
    /// again (a disk alert's figures move every hour; the owner hears about it once).
    /// </summary>
    public async Task RaiseOrRefreshAsync(string key, string title, string message, CancellationToken cancellationToken)
    {
        var refreshed = false;
        lock (_lock)
        {
            if (_active.TryGetValue(key, out var up))
            {
                if (up.Title == title && up.Message == message)
                {
                    return;
                }

                _active[key] = up with { Title = title, Message = message };
                refreshed = true;
            }
        }

        if (refreshed)
        {
            Changed?.Invoke();
            return;
        }

        await RaiseAsync(key, title, message, cancellationToken);
    }

    /// <summary>Shows an alert without notifying anyone: one the owner was told about before a restart.</summary>
    public void Show(string key, string title, string message)
    {
        lock (_lock)
        {
            if (!_active.TryAdd(key, new ActiveAlert(key, "error", title, message, clock.GetUtcNow())))
            {
                return;
            }
        }

        Changed?.Invoke();
    }

    /// <summary>Clears such an alert once the condition is over (the next backup worked).</summary>
    public void Resolve(string key) => Clear(key);

    public void Dismiss(string key)
    {
        bool removed;
        lock (_lock)
        {
            removed = _active.Remove(key);
        }

        if (removed)
        {
            Changed?.Invoke();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        events.Received += OnEvent;
        try
        {
            using var timer = new PeriodicTimer(Interval);
            do
            {
                try
                {
                    await EvaluateAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogEvaluateFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            events.Received -= OnEvent;
        }
    }

    /// <summary>One pass over the rules (public for tests).</summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var settings = await GetSettingsAsync(cancellationToken);
        var now = clock.GetUtcNow();

        foreach (var latest in metrics.Latest())
        {
            var key = "memory:" + latest.Series.Key;
            var high = latest.Sample.MemoryLimitBytes > 0
                && StayedAbove(latest.Series.Key, latest.Sample.MemoryLimitBytes * settings.MemoryPercent / 100.0, TimeSpan.FromMinutes(settings.MemoryMinutes), now);
            var limit = latest.Sample.MemoryLimitBytes;
            if (high)
            {
                await RaiseAsync(new ActiveAlert(key, "warning", $"{latest.Series.ContainerName} is near its memory limit",
                    $"It has used over {settings.MemoryPercent}% of its {new ByteSize(limit)} limit for {settings.MemoryMinutes} minutes. Raise the limit, or look at which rooms cost the most.", now), settings, cancellationToken);
            }
            else if (latest.Live)
            {
                Clear(key);
            }
        }

        lock (_lock)
        {
            foreach (var stale in _active.Values.Where(a => a.Key.StartsWith("oom:", StringComparison.Ordinal) && now - a.Since > OomAlertLifetime).ToList())
            {
                _active.Remove(stale.Key);
            }
        }

        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is { Phase: InstallPhase.Installed, Desired: DesiredState.Running })
        {
            var healthy = await admins.IsHealthyAsync(endpoint.BaseUrlFor(d), cancellationToken);
            _unhealthySince = healthy ? null : _unhealthySince ?? now;
            if (_unhealthySince is { } since && now - since >= TimeSpan.FromMinutes(settings.UnhealthyMinutes))
            {
                await RaiseAsync(new ActiveAlert("unhealthy", "error", $"{d.ServerName} is not healthy",
                    $"Synapse has not answered /health for {(int)(now - since).TotalMinutes} minutes. Look at its logs on the Homeserver page.", since), settings, cancellationToken);
            }
            else if (healthy)
            {
                Clear("unhealthy");
            }
        }
        else
        {
            _unhealthySince = null;
            Clear("unhealthy");
        }
    }

    /// <summary>
    /// Whether every reading of the last <paramref name="window"/> was above <paramref name="threshold"/>,
    /// and there are readings for all of it. Short windows use the raw samples, long ones the minutes.
    /// </summary>
    private bool StayedAbove(string key, double threshold, TimeSpan window, DateTimeOffset now)
    {
        var since = now - window;
        if (window <= MetricsStore.RawWindow - TimeSpan.FromMinutes(1))
        {
            var raw = metrics.Raw(key);
            var inWindow = raw.Where(s => s.Time >= since).ToList();
            var covered = raw.Count > 0 && raw[0].Time <= since + TimeSpan.FromSeconds(15);
            return covered && inWindow.Count > 0 && inWindow.All(s => s.MemoryBytes >= threshold);
        }

        var minutes = metrics.RecentMinutes(key, window).Where(b => b.Start >= since).ToList();
        return minutes.Count >= (int)window.TotalMinutes - 1 && minutes.All(b => b.MemoryMin >= threshold);
    }

    private void OnEvent(ContainerEvent e)
    {
        if (e.Action == "oom")
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    var settings = await GetSettingsAsync(CancellationToken.None);
                    await RaiseAsync(new ActiveAlert("oom:" + e.ContainerName, "error", $"{e.ContainerName} ran out of memory",
                        "The kernel killed it for going over its memory limit; the restart policy brings it back. Raise its limit on the Monitoring page if this repeats.", e.Time), settings, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    LogEvaluateFailed(logger, ex);
                }
            });
        }
    }

    private async Task RaiseAsync(ActiveAlert alert, AlertSettings settings, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_active.ContainsKey(alert.Key))
            {
                return;
            }

            _active[alert.Key] = alert;
        }

        LogRaised(logger, alert.Title);
        timeline.Alert(alert.Key, "raised", $"{alert.Title}. {alert.Message}");
        Changed?.Invoke();
        if (settings.NotifyMatrixUserId is { } notify)
        {
            try
            {
                var admin = await homeserver.GetAdminAsync(cancellationToken);
                await admin.SendServerNoticeAsync(notify, $"⚠ {alert.Title}\n{alert.Message}", cancellationToken);
                LogNoticeSent(logger, notify);
            }
            catch (Exception ex) when (ex is DomainException or HttpRequestException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogNoticeFailed(logger, notify, ex.Message);
            }
        }
    }

    private void Clear(string key)
    {
        bool removed;
        lock (_lock)
        {
            removed = _active.Remove(key);
        }

        if (removed)
        {
            timeline.Alert(key, "cleared", "The condition is over.");
            Changed?.Invoke();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert: {Title}")]
    private static partial void LogRaised(ILogger logger, string title);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert rules could not be evaluated")]
    private static partial void LogEvaluateFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent the alert to {UserId} as a server notice")]
    private static partial void LogNoticeSent(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the alert to {UserId} as a server notice: {Error}")]
    private static partial void LogNoticeFailed(ILogger logger, string userId, string error);
}
