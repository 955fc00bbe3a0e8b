using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Health;

/// <summary>Panel:Memory: what the panel gives back when nobody is looking (bench P1i, bench/README.md).</summary>
public sealed class IdleMemoryOptions
{
    public const string Section = "Panel:Memory";

    /// <summary>When the last admin page's circuit ends, collect and compact the heap and return freed pages to the system.</summary>
    public bool ReleaseWhenIdle { get; set; } = true;

    /// <summary>How long a page that lost its connection keeps its circuit for a reconnect (Blazor's default is 180 s).</summary>
    public int DisconnectedCircuitSeconds { get; set; } = 60;
}

/// <summary>
/// A panel spends most of its life with no admin page open, yet keeps the heap its last page grew
/// (the GC has no reason to collect, and freed native memory stays with the allocator). When the last
/// circuit ends, and none opened again for a few seconds, this collects with compaction and decommit
/// (<see cref="GCCollectionMode.Aggressive"/>) and asks glibc to return free pages (malloc_trim).
/// </summary>
public sealed partial class IdleMemoryRelease(CircuitStatistics circuits, IOptions<IdleMemoryOptions> options, TimeProvider clock, ILogger<IdleMemoryRelease> logger)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private int _scheduled;

    /// <summary>Times the memory was given back since the panel started (for the diagnostics API and the bench).</summary>
    public int Releases { get; private set; }

    internal void LastCircuitClosed()
    {
        if (!options.Value.ReleaseWhenIdle || Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Settle, clock);
                if (circuits.Open == 0)
                {
                    Release();
                }
            }
            finally
            {
                Interlocked.Exchange(ref _scheduled, 0);
            }
        });
    }

    private void Release()
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var trimmed = TrimNative();
        Releases++;
        var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        LogReleased(logger, before / 1048576.0, after / 1048576.0, trimmed);
    }

    private static bool TrimNative()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // musl (Alpine) has no malloc_trim: its allocator returns memory on its own.
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [LoggerMessage(Level = LogLevel.Information, Message = "No admin page open: the panel gave memory back (GC committed {Before:0.0} → {After:0.0} MiB; native pages returned: {Trimmed})")]
    private static partial void LogReleased(ILogger logger, double before, double after, bool trimmed);
}
