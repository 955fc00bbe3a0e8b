using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Homeserver;

/// <summary>A memory change as the page and the API show it, with the window after it measured so far while it runs.</summary>
public sealed record MemoryChangeView(
    long Id,
    DateTimeOffset RequestedAt,
    DateTimeOffset AppliedAt,
    MemoryProfile From,
    MemoryProfile To,
    string Summary,
    MemoryChangeStatus Status,
    double WindowSeconds,
    double WarmUpSeconds,
    DateTimeOffset AfterFrom,
    DateTimeOffset AfterTo,
    MemoryWindow? Before,
    MemoryWindow? After,
    MemoryEffect? Effect,
    string? EffectText,
    string? Note);

/// <summary>
/// The proof of a memory change: when a profile is applied, the window of the same length before it
/// is measured at once; the window after it starts once Synapse has warmed up, and is measured when
/// it ends. Each change and its effect are kept, so the owner sees what worked on their server.
/// </summary>
public sealed partial class MemoryChanges(
    IDbContextFactory<PanelDbContext> contexts,
    MemoryWindows windows,
    HomeserverNames names,
    IOptions<HomeserverOptions> options,
    TimeProvider clock,
    ILogger<MemoryChanges> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>Records an applied change (Synapse is healthy with it); a change still being measured is cut short.</summary>
    public async Task RecordAsync(MemorySettings previous, MemorySettings applied, DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var window = options.Value.MemoryComparisonWindow;
        var before = await windows.MeasureAsync(requestedAt - window, requestedAt, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var open in await db.MemoryChanges.Where(c => c.Status == MemoryChangeStatus.Measuring).ToListAsync(cancellationToken))
        {
            var partial = requestedAt > open.AfterFrom ? await windows.MeasureAsync(open.AfterFrom, requestedAt, cancellationToken) : null;
            open.CutShort($"The next change ({applied.Profile}) came before this window ended.", partial);
        }

        db.MemoryChanges.Add(MemoryChange.Applied(previous.Profile, applied.Profile, MemoryProfiles.Describe(applied), requestedAt, now,
            window, options.Value.MemoryWarmUp, before));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Measures the window after each change whose window has ended.</summary>
    public async Task FinishDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var due = (await db.MemoryChanges.Where(c => c.Status == MemoryChangeStatus.Measuring).ToListAsync(cancellationToken))
            .Where(c => c.IsDue(now)).ToList();
        foreach (var change in due)
        {
            var after = await windows.MeasureAsync(change.AfterFrom, change.AfterTo, cancellationToken);
            change.Measure(after, await RestartsAsync(db, change.AfterFrom, change.AfterTo, cancellationToken));
        }

        if (due.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The newest changes first; for one still running, the window after as measured so far.</summary>
    public async Task<IReadOnlyList<MemoryChangeView>> HistoryAsync(int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changes = await db.MemoryChanges.AsNoTracking().OrderByDescending(c => c.Id).Take(Math.Clamp(limit, 1, 200)).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var views = new List<MemoryChangeView>(changes.Count);
        foreach (var c in changes)
        {
            var after = c.Status == MemoryChangeStatus.Measuring && now > c.AfterFrom
                ? await windows.MeasureAsync(c.AfterFrom, now < c.AfterTo ? now : c.AfterTo, cancellationToken)
                : c.After;
            var effect = c.Before is { } b && after is { } a ? MemoryEffect.Between(b, a) : null;
            views.Add(new MemoryChangeView(c.Id, c.RequestedAt, c.AppliedAt, c.FromProfile, c.ToProfile, c.Summary, c.Status,
                c.Window.TotalSeconds, c.WarmUp.TotalSeconds, c.AfterFrom, c.AfterTo, c.Before, after, effect, effect?.Describe(c.Before!, after!), c.Note));
        }

        return views;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, clock);
        do
        {
            try
            {
                await FinishDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMeasureFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Synapse dying or being killed for memory inside a window makes its figures say less: the note tells.</summary>
    private async Task<string?> RestartsAsync(PanelDbContext db, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var source = names.Synapse + " (";
        var events = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.Kind == "container" && (e.Action == "die" || e.Action == "oom") && e.Time >= from && e.Time < to && e.Source.StartsWith(source))
            .Select(e => e.Action).ToListAsync(cancellationToken);
        return events.Count == 0 ? null
            : events.Contains("oom") ? "Synapse was killed for lack of memory during the window after."
            : $"Synapse stopped {events.Count} time(s) during the window after.";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Measuring memory changes failed")]
    private static partial void LogMeasureFailed(ILogger logger, Exception e);
}
