using Microsoft.EntityFrameworkCore;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Homeserver;

/// <summary>One minute of Synapse's memory: its highest sample and the limit then.</summary>
public sealed record MemoryPoint(DateTimeOffset Time, long? MemoryMaxBytes, long? LimitBytes);

/// <summary>
/// Synapse killed for lack of memory (an OOM kill in its container) or stopping again and again (a
/// restart loop), with the memory curve up to it and what would have fitted.
/// </summary>
public sealed record MemoryIncident(DateTimeOffset At, string Kind, string Description, long? PeakBytes, IReadOnlyList<MemoryPoint> Curve, MemoryAdvice? Advice);

/// <summary>Finds the latest memory incident of the last week in the events timeline.</summary>
public sealed class MemoryIncidents(IDbContextFactory<PanelDbContext> contexts, MetricsStore store, HomeserverNames names, TimeProvider clock)
{
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(7);

    /// <summary>Three stops within this span are a restart loop.</summary>
    public static readonly TimeSpan LoopSpan = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan CurveSpan = TimeSpan.FromMinutes(30);

    public async Task<MemoryIncident?> LatestAsync(MemorySettings current, long hostMemoryBytes, bool jemalloc, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow() - LookBack;
        var source = names.Synapse + " (";
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var events = await db.TimelineEvents.AsNoTracking()
            .Where(e => e.Kind == "container" && (e.Action == "oom" || e.Action == "die") && e.Time >= since && e.Source.StartsWith(source))
            .OrderByDescending(e => e.Time).Take(500)
            .Select(e => new { e.Time, e.Action }).ToListAsync(cancellationToken);
        var oom = events.FirstOrDefault(e => e.Action == "oom")?.Time;
        var dies = events.Where(e => e.Action == "die").Select(e => e.Time).ToList();
        // Newest first: the latest stop with two more within the span before it.
        DateTimeOffset? loop = dies.Where((t, i) => i + 2 < dies.Count && t - dies[i + 2] <= LoopSpan).Select(t => (DateTimeOffset?)t).FirstOrDefault();
        if (oom is null && loop is null)
        {
            return null;
        }

        var (at, kind) = oom is { } o && (loop is not { } l || o >= l) ? (o, "oom") : (loop!.Value, "restart-loop");
        var curve = (await store.MinutesAsync(ContainerComponents.Homeserver, at - CurveSpan, at + TimeSpan.FromMinutes(1), cancellationToken))
            .Select(b => new MemoryPoint(b.Start, b.Count > 0 ? b.MemoryMax : null, b.Count > 0 ? b.MemoryLimit : null)).ToList();
        var peak = curve.Max(p => p.MemoryMaxBytes);
        var description = kind == "oom"
            ? $"Synapse's container ran out of memory at {at:u}: the kernel killed a process in it (limit {new Domain.Common.ByteSize(current.MemoryLimitBytes)})."
            : $"Synapse stopped three times or more within {LoopSpan.TotalMinutes:0} minutes, the last at {at:u}.";
        var later = await db.MemoryChanges.AsNoTracking().Where(c => c.AppliedAt > at).OrderByDescending(c => c.AppliedAt)
            .Select(c => (MemoryProfile?)c.ToProfile).FirstOrDefaultAsync(cancellationToken);
        if (later is not null)
        {
            // Advice for settings that are no longer the ones that ran out would mislead.
            return new MemoryIncident(at, kind, description + $" Since then, the {later} profile was applied.", peak, curve, null);
        }

        return new MemoryIncident(at, kind, description, peak, curve, MemoryProfiles.AfterOutOfMemory(current, peak ?? current.MemoryLimitBytes, hostMemoryBytes, jemalloc));
    }
}
