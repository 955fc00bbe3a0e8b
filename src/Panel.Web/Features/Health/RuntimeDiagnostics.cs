using System.Runtime;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Panel.Web.Features.Health;

/// <summary>Counts Blazor circuits: each one holds server memory for as long as its page is open.</summary>
public sealed class CircuitStatistics
{
    private long _open;
    private long _opened;

    public long Open => Interlocked.Read(ref _open);

    /// <summary>Circuits opened since the panel started. Public pages must never add to it.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    internal void Up()
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _opened);
    }

    /// <summary>One circuit fewer; the number still open.</summary>
    internal long Down() => Interlocked.Decrement(ref _open);
}

internal sealed class CircuitCountingHandler(CircuitStatistics statistics, IdleMemoryRelease idle) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        statistics.Up();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (statistics.Down() == 0)
        {
            idle.LastCircuitClosed();
        }

        return Task.CompletedTask;
    }
}

/// <summary>Circuits open and opened; <paramref name="MemoryReleases"/>: times the panel gave memory back after the last one closed.</summary>
public sealed record CircuitView(long Open, long Opened, int MemoryReleases = 0);

public sealed record GcView(bool Server, bool Concurrent, string LatencyMode, long HeapBytes, long CommittedBytes, long TotalAllocatedBytes, int Gen0, int Gen1, int Gen2, double PauseTimePercent);

public sealed record ProcessView(long WorkingSetBytes, long PrivateBytes, long? PssBytes, long? PssAnonBytes, int Threads, double CpuSeconds, DateTimeOffset StartedAt);

/// <summary>What the panel itself costs right now: memory (PSS where Linux reports it), GC, circuits.</summary>
public sealed record DiagnosticsView(ProcessView Process, GcView Gc, CircuitView Circuits);

public static class RuntimeDiagnostics
{
    public static IServiceCollection AddRuntimeDiagnostics(this IServiceCollection services)
    {
        services.AddSingleton<CircuitStatistics>();
        services.AddSingleton<IdleMemoryRelease>();
        services.AddOptions<IdleMemoryOptions>().BindConfiguration(IdleMemoryOptions.Section)
            .Validate(o => o.DisconnectedCircuitSeconds is >= 5 and <= 3600, "Panel:Memory:DisconnectedCircuitSeconds must be between 5 and 3600.")
            .ValidateOnStart();
        services.AddOptions<Microsoft.AspNetCore.Components.Server.CircuitOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<IdleMemoryOptions>>((circuit, idle) =>
            {
                // A closed tab's circuit (and the memory its page holds) lives on for this long, waiting for a reconnect.
                circuit.DisconnectedCircuitRetentionPeriod = TimeSpan.FromSeconds(idle.Value.DisconnectedCircuitSeconds);
                circuit.DisconnectedCircuitMaxRetained = 20;
            });
        services.AddScoped<CircuitHandler, CircuitCountingHandler>();
        return services;
    }

    public static RouteGroupBuilder MapDiagnosticsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/diagnostics", (CircuitStatistics circuits, IdleMemoryRelease idle) => Read(circuits, idle))
            .WithTags("Diagnostics")
            .WithSummary("The panel's own memory (RSS and PSS), garbage collector and open Blazor circuits");
        return api;
    }

    public static DiagnosticsView Read(CircuitStatistics circuits, IdleMemoryRelease idle)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var info = GC.GetGCMemoryInfo();
        var (pss, pssAnon) = ReadPss("/proc/self/smaps_rollup");
        return new DiagnosticsView(
            new ProcessView(self.WorkingSet64, self.PrivateMemorySize64, pss, pssAnon, self.Threads.Count, self.TotalProcessorTime.TotalSeconds, self.StartTime.ToUniversalTime()),
            new GcView(GCSettings.IsServerGC, info.Concurrent, GCSettings.LatencyMode.ToString(), GC.GetTotalMemory(false), info.TotalCommittedBytes, GC.GetTotalAllocatedBytes(),
                GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds / Math.Max(1, (DateTime.Now - self.StartTime).TotalMilliseconds) * 100),
            new CircuitView(circuits.Open, circuits.Opened, idle.Releases));
    }

    /// <summary>
    /// PSS (proportional set size: shared pages counted in proportion to their sharers) and its
    /// anonymous part, from a smaps_rollup file; nulls where the kernel has none.
    /// </summary>
    public static (long? Pss, long? PssAnon) ReadPss(string path)
    {
        try
        {
            long? pss = null, anon = null;
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    pss = Kilobytes(line);
                }
                else if (line.StartsWith("Pss_Anon:", StringComparison.Ordinal))
                {
                    anon = Kilobytes(line);
                }
            }

            return (pss, anon);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }

        static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
