using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Capacity;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Capacity;

/// <summary>
/// Takes a snapshot of the server's shape beside Synapse's memory every interval (hourly by
/// default), so that the memory model is fitted on this server's own history; and keeps a year of them.
/// </summary>
public sealed partial class CapacitySnapshots(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess homeserver,
    IContainerRuntime docker,
    HomeserverNames names,
    MemoryWindows windows,
    HomeserverFiguresCollector figures,
    HostFiguresReader host,
    IOptions<CapacityOptions> options,
    TimeProvider clock,
    ILogger<CapacitySnapshots> logger) : BackgroundService
{
    /// <summary>
    /// Synapse's memory in a snapshot is its median over these last minutes (or the interval, if
    /// shorter), and never from before Synapse's last start and its warm-up: a process that
    /// restarted is another, and one that just started has not filled its caches yet.
    /// </summary>
    private static readonly TimeSpan MemorySpan = TimeSpan.FromMinutes(10);

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Takes one now (the page's "measure now", and the schedule); null when there is no homeserver to measure.</summary>
    public async Task<CapacitySnapshot?> TakeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var d = await homeserver.GetDeploymentAsync(cancellationToken);
            if (d is not { Phase: InstallPhase.Installed, AdminAccessTokenProtected: not null })
            {
                return null;
            }

            var now = clock.GetUtcNow();
            var shape = await ShapeReader.ReadAsync(homeserver.CreateAdmin(d), d.AdminUserId, now, options.Value.MaxUsersForDevices, cancellationToken);
            var span = options.Value.SnapshotInterval < MemorySpan ? options.Value.SnapshotInterval : MemorySpan;
            var from = now - span;
            if (d.Mode == HomeserverMode.Managed && await docker.InspectAsync(names.Synapse, cancellationToken) is { StartedAt: { } started }
                && started + options.Value.MemoryWarmUp > from)
            {
                from = started + options.Value.MemoryWarmUp;
            }

            // Still warming up: the snapshot keeps the shape and the disk, and no memory (the model skips it).
            var memory = from < now ? await windows.MeasureAsync(from, now, cancellationToken) : null;
            var sizes = await figures.GetAsync(refresh: false, cancellationToken);
            var machine = host.Read();
            var snapshot = CapacitySnapshot.Take(now, MemoryProfiles.Describe(d.Memory), shape, memory?.MedianBytes, sizes.DatabaseBytes, sizes.MediaBytes,
                machine.DiskTotalBytes - machine.DiskFreeBytes, machine.DiskTotalBytes, machine.Load1);
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.CapacitySnapshots.Add(snapshot);
            await db.CapacitySnapshots.Where(s => s.Time < now - CapacitySnapshot.Retention).ExecuteDeleteAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<CapacitySnapshot>> SinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.CapacitySnapshots.AsNoTracking().Where(s => s.Time >= since).OrderBy(s => s.Time).ToListAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SnapshotInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await TakeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A homeserver that does not answer now is measured at the next tick.
                LogSnapshotFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A capacity snapshot could not be taken: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string reason);
}
