using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

/// <summary>
/// Synapse's memory over one window of time, and what the server did in it (requests, syncs, rooms),
/// so that a window before a change can be compared with one after it.
/// </summary>
public sealed record MemoryWindow(
    DateTimeOffset From,
    DateTimeOffset To,
    int Samples,
    long MedianBytes,
    long P95Bytes,
    long? Requests,
    long? Syncs,
    int? Rooms)
{
    /// <summary>Fewer samples than this say too little to compare.</summary>
    public const int MinimumSamples = 10;

    /// <summary>Median and 95th percentile (nearest rank) of the samples; null when there are none.</summary>
    public static MemoryWindow? Of(DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<long> samples, long? requests, long? syncs, int? rooms)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var sorted = samples.Order().ToArray();
        return new MemoryWindow(from, to, sorted.Length, Rank(sorted, 0.5), Rank(sorted, 0.95), requests, syncs, rooms);
    }

    public TimeSpan Length => To - From;

    /// <summary>Requests per minute over the window, when they were counted.</summary>
    public double? RequestsPerMinute => Requests is { } r && Length > TimeSpan.Zero ? r / Length.TotalMinutes : null;

    public double? SyncsPerMinute => Syncs is { } s && Length > TimeSpan.Zero ? s / Length.TotalMinutes : null;

    private static long Rank(long[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>How alike two windows' load was; a difference in memory means little when it was not.</summary>
public sealed record Comparability(bool Comparable, IReadOnlyList<string> Reasons)
{
    /// <summary>Request and sync rates may differ by this share before the windows stop being comparable.</summary>
    public const double Tolerance = 0.25;

    public static Comparability Of(MemoryWindow before, MemoryWindow after)
    {
        var reasons = new List<string>();
        if (before.Samples < MemoryWindow.MinimumSamples || after.Samples < MemoryWindow.MinimumSamples)
        {
            reasons.Add($"few samples ({before.Samples} before, {after.Samples} after)");
        }
        else if (Math.Min(before.Samples, after.Samples) < 0.5 * Math.Max(before.Samples, after.Samples))
        {
            // The panel was not watching for part of one window (it was stopped, or Synapse was).
            reasons.Add($"the samples cover only part of one window ({before.Samples} before, {after.Samples} after)");
        }

        if (after.Length < before.Length * 0.9)
        {
            reasons.Add($"the window after is shorter ({Minutes(after.Length)} against {Minutes(before.Length)})");
        }

        Rate("requests", before.RequestsPerMinute, after.RequestsPerMinute, reasons);
        Rate("syncs", before.SyncsPerMinute, after.SyncsPerMinute, reasons);
        if (before.Rooms is { } r0 && after.Rooms is { } r1 && Math.Abs(r1 - r0) > Math.Max(1, r0 * 0.1))
        {
            reasons.Add($"rooms went from {r0} to {r1}");
        }

        return new Comparability(reasons.Count == 0, reasons);
    }

    private static void Rate(string what, double? before, double? after, List<string> reasons)
    {
        if (before is not { } b || after is not { } a)
        {
            return;
        }

        // Idle against idle is comparable; below one a minute, rates are noise.
        if (Math.Max(a, b) < 1)
        {
            return;
        }

        if (Math.Abs(a - b) > Tolerance * Math.Max(a, b))
        {
            reasons.Add(FormattableString.Invariant($"{what} went from {b:0.#} to {a:0.#} a minute"));
        }
    }

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 2 ? FormattableString.Invariant($"{t.TotalMinutes:0} min") : FormattableString.Invariant($"{t.TotalSeconds:0} s");
}

/// <summary>The difference a change made: after minus before, in bytes and percent.</summary>
public sealed record MemoryEffect(long MedianDeltaBytes, double MedianDeltaPercent, long P95DeltaBytes, double P95DeltaPercent, Comparability Comparability)
{
    public static MemoryEffect Between(MemoryWindow before, MemoryWindow after) => new(
        after.MedianBytes - before.MedianBytes, Percent(before.MedianBytes, after.MedianBytes),
        after.P95Bytes - before.P95Bytes, Percent(before.P95Bytes, after.P95Bytes),
        Comparability.Of(before, after));

    /// <summary>One sentence: "Median 412 MiB → 301 MiB (−111 MiB, −27 %)", with the comparability's reasons when it is not.</summary>
    public string Describe(MemoryWindow before, MemoryWindow after)
    {
        var sentence = FormattableString.Invariant(
            $"Median {new ByteSize(before.MedianBytes)} → {new ByteSize(after.MedianBytes)} ({Signed(MedianDeltaBytes)}, {MedianDeltaPercent:+0;−0;0} %); p95 {new ByteSize(before.P95Bytes)} → {new ByteSize(after.P95Bytes)} ({Signed(P95DeltaBytes)}, {P95DeltaPercent:+0;−0;0} %).");
        return Comparability.Comparable ? sentence : sentence + " Not comparable: " + string.Join("; ", Comparability.Reasons) + ".";
    }

    private static double Percent(long before, long after) => before == 0 ? 0 : (after - before) * 100.0 / before;

    private static string Signed(long bytes) => (bytes < 0 ? "−" : "+") + new ByteSize(Math.Abs(bytes));
}
