using System.Globalization;

namespace Panel.Domain.Homeserver;

/// <summary>
/// Whether worker mode would help, from what was measured: Synapse's main process uses one core at
/// most, so the sign is how often it was near a full core. The rule (issue 24): above 80 % of a core
/// for 20 % of the last week. Hours are what the panel keeps for a week (their averages; minutes
/// are kept for a day only), so the share is of hours that averaged above 80 %.
/// </summary>
public sealed record WorkerAdvice(bool Recommended, double? BusyShare, int HoursMeasured, string Text)
{
    public const double BusyCpuPercent = 80;
    public const double BusyShareThreshold = 0.2;
    public const int MinimumHours = 24;

    /// <summary>Cores below which workers compete with the main process, PostgreSQL and the proxy for the same CPUs.</summary>
    public const int MinimumCores = 4;

    /// <param name="hourlyCpuPercent">The main process's hourly CPU averages over the last week, in percent of one core.</param>
    /// <param name="cores">The machine's cores: on two, bench P11 measured two generic workers at 0.67 of the monolith's throughput.</param>
    public static WorkerAdvice From(IReadOnlyList<double> hourlyCpuPercent, int cores)
    {
        var hours = hourlyCpuPercent.Count;
        if (hours < MinimumHours)
        {
            return new WorkerAdvice(false, null, hours, $"Not enough measured yet: {Hours(hours)} of the main process's CPU in the last week; the advice needs a day.");
        }

        var share = hourlyCpuPercent.Count(c => c > BusyCpuPercent) / (double)hours;
        var percent = (share * 100).ToString("0", CultureInfo.InvariantCulture);
        var busy = $"The main process was above 80 % of a core for {percent} % of the last week ({Hours(hours)} measured)";
        if (share < BusyShareThreshold)
        {
            return new WorkerAdvice(false, share, hours, $"{busy}; worker mode pays from 20 %, so one process is enough.");
        }

        return cores >= MinimumCores
            ? new WorkerAdvice(true, share, hours, $"{busy}: it is the bottleneck, and worker mode spreads its work over this machine's {cores} cores.")
            : new WorkerAdvice(false, share, hours, $"{busy}: it is the bottleneck, but this machine has {cores} cores, which workers would share with it, PostgreSQL and the proxy (on two cores the panel's benchmark measured two workers at two thirds of one process's throughput). More cores first, or Swarm mode with another machine.");
    }

    private static string Hours(int n) => n == 1 ? "1 hour" : $"{n} hours";
}
