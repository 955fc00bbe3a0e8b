namespace Panel.Testing.Workload;

/// <summary>What a workload did, and how long messages took to reach the clients that sync.</summary>
public sealed record WorkloadReport(
    int Users,
    int Rooms,
    int StateEvents,
    int Memberships,
    int MessagesSent,
    int SendFailures,
    int Syncs,
    int SyncFailures,
    IReadOnlyList<double> DeliveryMilliseconds,
    TimeSpan Elapsed)
{
    /// <summary>Time from a message's send to its arrival in a syncing member's /sync, at the given quantile.</summary>
    public double DeliveryQuantile(double q) => Quantiles.Of(DeliveryMilliseconds, q);

    public override string ToString() => FormattableString.Invariant(
        $"{MessagesSent} messages ({SendFailures} failed) in {Elapsed.TotalSeconds:0} s, {Syncs} syncs ({SyncFailures} failed), delivery p50 {DeliveryQuantile(0.5):0} ms p95 {DeliveryQuantile(0.95):0} ms over {DeliveryMilliseconds.Count} deliveries");
}

/// <summary>Nearest-rank quantiles, as the bench reports them.</summary>
public static class Quantiles
{
    public static double Of(IReadOnlyCollection<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
