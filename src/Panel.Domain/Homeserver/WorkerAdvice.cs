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

    public static WorkerAdvice From(IReadOnlyList<double> hourlyCpuPercent)
    {
        var hours = hourlyCpuPercent.Count;
        if (hours < MinimumHours)
        {
            return new WorkerAdvice(false, null, hours, $"Not enough measured yet: {Hours(hours)} of the main process's CPU in the last week; the advice needs a day.");
        }

        var share = hourlyCpuPercent.Count(c => c > BusyCpuPercent) / (double)hours;
        var percent = (share * 100).ToString("0", CultureInfo.InvariantCulture);
        return share >= BusyShareThreshold
            ? new WorkerAdvice(true, share, hours, $"The main process was above 80 % of a core for {percent} % of the last week ({Hours(hours)} measured): it is the bottleneck, and worker mode spreads its work over more cores.")
            : new WorkerAdvice(false, share, hours, $"The main process was above 80 % of a core for {percent} % of the last week ({Hours(hours)} measured); worker mode pays from 20 %, so one process is enough.");
    }

    private static string Hours(int n) => n == 1 ? "1 hour" : $"{n} hours";
}
