using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Containers;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

public sealed record TimelineEntry(long Id, DateTimeOffset Time, string Kind, string Source, string Action, string? Detail)
{
    /// <summary>What happened, in words ("became healthy", "was killed: out of memory"), not Docker's event name.</summary>
    public string Words => (Kind, Action, Detail) switch
    {
        ("alert", "raised", _) => "alert: " + Detail,
        ("alert", "cleared", _) => "alert cleared",
        (_, "health_status", "healthy") => "became healthy",
        (_, "health_status", "unhealthy") => "became unhealthy: its health check fails",
        (_, "health_status", _) => "is starting (health check not passed yet)",
        (_, "start", _) => "started",
        (_, "stop", _) => "stopped",
        (_, "restart", _) => "restarted",
        (_, "oom", _) => "was killed: out of memory",
        (_, "kill", _) => "was sent a signal to stop",
        (_, "destroy", _) => "was removed",
        (_, "die", "exit code 0") => "exited normally",
        (_, "die", "exit code 137") => "was killed (exit code 137: stopped by force, or out of memory)",
        (_, "die", _) => "exited" + (Detail is null ? "" : $" with {Detail}"),
        _ => Action + (Detail is null ? "" : ": " + Detail),
    };
}

/// <summary>
/// Keeps the events timeline: container events that matter to a person (start, stop, die, oom,
/// restart, health changes) and the panel's alerts. Written in the background from a queue, so the
/// event stream never waits for the database.
/// </summary>
public sealed partial class TimelineRecorder(IDbContextFactory<PanelDbContext> contexts, ContainerEventFeed feed, TimeProvider clock, ILogger<TimelineRecorder> logger) : BackgroundService
{
    private static readonly HashSet<string> Interesting = ["start", "stop", "die", "oom", "restart", "destroy", "kill"];
    private readonly Channel<TimelineEvent> _queue = Channel.CreateBounded<TimelineEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });

    public void Alert(string source, string action, string detail) =>
        _queue.Writer.TryWrite(TimelineEvent.Record(clock.GetUtcNow(), "alert", source, action, detail));

    public async Task<IReadOnlyList<TimelineEntry>> QueryAsync(DateTimeOffset? before, int limit, string? kind, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.TimelineEvents.AsNoTracking();
        if (before is { } b)
        {
            query = query.Where(e => e.Time < b);
        }

        if (!string.IsNullOrEmpty(kind))
        {
            query = query.Where(e => e.Kind == kind);
        }

        return await query.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id).Take(Math.Clamp(limit, 1, 500))
            .Select(e => new TimelineEntry(e.Id, e.Time, e.Kind, e.Source, e.Action, e.Detail))
            .ToListAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        feed.Received += OnEvent;
        try
        {
            await foreach (var first in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                var batch = new List<TimelineEvent> { first };
                while (batch.Count < 100 && _queue.Reader.TryRead(out var more))
                {
                    batch.Add(more);
                }

                try
                {
                    await using var db = await contexts.CreateDbContextAsync(stoppingToken);
                    db.TimelineEvents.AddRange(batch);
                    await db.SaveChangesAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWriteFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            feed.Received -= OnEvent;
        }
    }

    private void OnEvent(ContainerEvent e)
    {
        var health = e.Action.StartsWith("health_status", StringComparison.Ordinal);
        if (!health && !Interesting.Contains(e.Action))
        {
            return;
        }

        string? detail = null;
        if (e.Action == "die" && e.Attributes.TryGetValue("exitCode", out var code))
        {
            detail = "exit code " + code;
        }

        var action = health ? "health_status" : e.Action;
        detail ??= health ? e.Action.Split(':', 2).ElementAtOrDefault(1)?.Trim() : null;
        _queue.Writer.TryWrite(TimelineEvent.Record(e.Time, "container", string.IsNullOrEmpty(e.Component) ? e.ContainerName : $"{e.ContainerName} ({e.Component})", action, detail));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write timeline events")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex);
}
