using Panel.Domain.Containers;
using Panel.Domain.Monitoring;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Components.Pages.Admin.Monitoring.Model;

/// <summary>
/// The state of the Monitoring page's history chart, apart from the page (as the Aspire Dashboard
/// keeps its pages' state in view models): which container and range it shows, both read from the
/// URL (<c>?container=&amp;range=</c>) so that a view can be linked to and survives a reload, and the
/// lines it draws.
/// </summary>
public sealed class HistoryChartModel
{
    public const string Live = "live";

    /// <summary>The container shown, by its key (homeserver, database, bridge-…, watched-…).</summary>
    public string? Container { get; private set; }

    /// <summary>"live" (the raw samples in memory) or one of <see cref="MetricRetention.Ranges"/>.</summary>
    public string Range { get; private set; } = Live;

    public IReadOnlyList<DateTimeOffset> Times { get; private set; } = [];

    public IReadOnlyList<(string Name, IReadOnlyList<double?> Values)> Cpu { get; private set; } = [];

    public IReadOnlyList<(string Name, IReadOnlyList<double?> Values)> Memory { get; private set; } = [];

    public bool IsLive => Range == Live;

    public string TimeFormat => Range is "30d" or "365d" ? "MM-dd" : IsLive ? "HH:mm:ss" : "HH:mm";

    public static bool IsRange(string? range) => range == Live || (range is not null && MetricRetention.Ranges.Contains(range));

    /// <summary>
    /// Takes the URL's choice where it names a container that exists and a known range; otherwise the
    /// homeserver (or the first container) and the live view. Returns whether anything changed.
    /// </summary>
    public bool Choose(string? container, string? range, IReadOnlyList<ContainerSummary> containers)
    {
        var key = containers.Any(c => c.Key == container) ? container
            : containers.FirstOrDefault(c => c.Key == ContainerComponents.Homeserver)?.Key ?? (containers.Count > 0 ? containers[0].Key : null);
        var chosenRange = IsRange(range) ? range! : Live;
        var changed = key != Container || chosenRange != Range;
        Container = key;
        Range = chosenRange;
        return changed;
    }

    /// <summary>The raw samples of the last minutes: one line each.</summary>
    public void ShowLive(IReadOnlyList<ContainerStatsSample> raw)
    {
        Times = raw.Select(s => s.Time).ToList();
        Cpu = [("CPU", raw.Select(s => (double?)Math.Round(s.CpuPercent, 2)).ToList())];
        Memory = [("Used", raw.Select(s => (double?)Math.Round(s.MemoryBytes / 1048576.0, 1)).ToList())];
    }

    /// <summary>A stored series: its average and its peak, memory in MiB.</summary>
    public void ShowSeries(MetricSeries series)
    {
        Times = series.Points.Select(p => p.Time).ToList();
        Cpu = [("average", series.Points.Select(p => p.CpuAvg).ToList()), ("peak", series.Points.Select(p => p.CpuMax).ToList())];
        Memory =
        [
            ("average", series.Points.Select(p => Mib(p.MemoryAvg)).ToList()),
            ("peak", series.Points.Select(p => Mib(p.MemoryMax)).ToList()),
        ];
    }

    private static double? Mib(long? bytes) => bytes is { } b ? Math.Round(b / 1048576.0, 1) : null;
}
