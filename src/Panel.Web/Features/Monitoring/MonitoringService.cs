using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Monitoring;

public sealed record ContainerSummary(
    string Key,
    string Component,
    string Name,
    bool Managed,
    double CpuPercent,
    long MemoryBytes,
    long MemoryLimitBytes,
    long NetworkRxBytes,
    long NetworkTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes,
    bool Live,
    DateTimeOffset SampledAt,
    RequestShare? Requests = null)
{
    /// <summary>The memory limit in MiB (one decimal), for a chart's limit line; null when the container has none.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double? MemoryLimitMiB => MemoryLimitBytes > 0 ? Math.Round(MemoryLimitBytes / 1048576.0, 1) : null;
}

public sealed record MetricsSummary(IReadOnlyList<ContainerSummary> Containers, HostFigures Host, HomeserverFigures Homeserver);

/// <summary>What the dashboard and the monitoring page read: latest samples, host and homeserver figures, history.</summary>
public sealed class MonitoringService(
    MetricsStore metrics,
    HostFiguresReader host,
    HomeserverFiguresCollector homeserverFigures,
    IContainerRuntime docker,
    IDbContextFactory<PanelDbContext> contexts,
    IAuditLog audit,
    TimeProvider clock)
{
    public const long MinimumMemoryLimit = 64L * 1024 * 1024;

    public async Task<MetricsSummary> SummaryAsync(bool refreshFigures, CancellationToken cancellationToken)
    {
        var shares = metrics.RequestShares();
        return new(metrics.Latest().Select(l => new ContainerSummary(
                l.Series.Key,
                l.Series.Component ?? "watched",
                l.Series.ContainerName,
                l.Series.Managed,
                Math.Round(l.Sample.CpuPercent, 2),
                l.Sample.MemoryBytes,
                l.Sample.MemoryLimitBytes,
                l.Sample.NetworkRxBytes,
                l.Sample.NetworkTxBytes,
                l.Sample.BlockReadBytes,
                l.Sample.BlockWriteBytes,
                l.Live,
                l.Sample.Time,
                shares.GetValueOrDefault(l.Series.Key))).ToList(),
            host.Read(),
            await homeserverFigures.GetAsync(refreshFigures, cancellationToken));
    }

    public Task<MetricSeries> SeriesAsync(string key, string? range, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
        {
            throw new DomainException("A container key is required.");
        }

        if (MetricRetention.ForRange(range) is null)
        {
            throw new DomainException($"range must be one of {string.Join(", ", MetricRetention.Ranges)}.");
        }

        return metrics.QueryAsync(key, range!, cancellationToken);
    }

    /// <summary>Changes a running container's memory limit at once (Docker's update API), and keeps it for the homeserver.</summary>
    public async Task SetMemoryLimitAsync(string key, long bytes, AuditActor actor, CancellationToken cancellationToken)
    {
        if (bytes < MinimumMemoryLimit || bytes > 1024L * 1024 * 1024 * 1024)
        {
            throw new DomainException($"The memory limit must be between {new ByteSize(MinimumMemoryLimit)} and 1 TiB.");
        }

        var series = metrics.KnownSeries().FirstOrDefault(s => s.Key == key) ?? throw new NotFoundException($"No container is watched as '{key}'.");
        if (!series.Managed)
        {
            throw new DomainException($"{series.ContainerName} is only watched, not managed: the panel does not change it.");
        }

        if (key == ContainerComponents.Homeserver)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var d = await db.Homeservers.SingleAsync(cancellationToken);
            d.ChangeMemoryLimit(bytes);
            await docker.UpdateMemoryLimitAsync(series.ContainerName, bytes, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            await docker.UpdateMemoryLimitAsync(series.ContainerName, bytes, cancellationToken);
        }

        await audit.RecordAsync(actor, "container.memory-limit", series.ContainerName, AuditOutcome.Success, new ByteSize(bytes).ToString(), cancellationToken);
    }

    public async Task<IReadOnlyList<string>> WatchedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.WatchedContainers.OrderBy(w => w.Name).Select(w => w.Name).ToListAsync(cancellationToken);
    }

    public async Task WatchAsync(string name, AuditActor actor, CancellationToken cancellationToken)
    {
        var watched = WatchedContainer.Create(name, clock.GetUtcNow());
        if (await docker.InspectAsync(watched.Name, cancellationToken) is null)
        {
            throw new NotFoundException($"There is no container named {watched.Name}.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.WatchedContainers.AnyAsync(w => w.Name == watched.Name, cancellationToken))
        {
            throw new ConflictException($"{watched.Name} is already watched.");
        }

        db.WatchedContainers.Add(watched);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, "monitoring.watch", watched.Name, AuditOutcome.Success, null, cancellationToken);
    }

    public async Task UnwatchAsync(string name, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var removed = await db.WatchedContainers.Where(w => w.Name == name).ExecuteDeleteAsync(cancellationToken);
        if (removed == 0)
        {
            throw new NotFoundException($"{name} is not watched.");
        }

        await audit.RecordAsync(actor, "monitoring.unwatch", name, AuditOutcome.Success, null, cancellationToken);
    }
}
