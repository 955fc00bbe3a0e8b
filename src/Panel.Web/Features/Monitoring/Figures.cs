using System.Globalization;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Configuration;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Monitoring;

public sealed record HostFigures(long? MemoryTotalBytes, long? MemoryAvailableBytes, double? Load1, double? Load5, double? Load15, int Cpus, long? DiskFreeBytes, long? DiskTotalBytes, string DiskPath);

/// <summary>
/// The machine's memory pressure (Linux PSI, /proc/pressure/memory): the share of time in which some
/// tasks (or all of them: full) waited for memory, over 10 s, 1 min and 5 min.
/// </summary>
public sealed record MemoryPressure(double Some10, double Some60, double Some300, double Full10, double Full60, double Full300)
{
    /// <summary>Parses the two lines of /proc/pressure/memory; null for anything else.</summary>
    public static MemoryPressure? Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var field in parts.Skip(1))
            {
                var kv = field.Split('=');
                if (kv.Length == 2 && kv[0].StartsWith("avg", StringComparison.Ordinal) && double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    values[parts[0] + kv[0]] = v;
                }
            }
        }

        double Get(string key) => values.GetValueOrDefault(key);
        return values.ContainsKey("someavg10")
            ? new MemoryPressure(Get("someavg10"), Get("someavg60"), Get("someavg300"), Get("fullavg10"), Get("fullavg60"), Get("fullavg300"))
            : null;
    }
}

public sealed record HomeserverFigures(
    long? DatabaseBytes,
    long? MediaBytes,
    int? Users,
    int? Rooms,
    int? DailyActiveUsers,
    DateTimeOffset? MeasuredAt,
    string? Problem);

/// <summary>The machine's own figures, read from /proc and the file system where the panel keeps its data.</summary>
public sealed class HostFiguresReader(IOptions<PanelOptions> panel)
{
    public HostFigures Read()
    {
        long? total = null, available = null;
        double? l1 = null, l5 = null, l15 = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = Kib(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = Kib(line);
                }
            }

            var load = File.ReadAllText("/proc/loadavg").Split(' ');
            l1 = double.Parse(load[0], CultureInfo.InvariantCulture);
            l5 = double.Parse(load[1], CultureInfo.InvariantCulture);
            l15 = double.Parse(load[2], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Not Linux, or /proc hidden: the figures stay unknown.
        }

        var path = panel.Value.DataDirectoryFullPath;
        long? free = null, size = null;
        try
        {
            Directory.CreateDirectory(path);
            var drive = new DriveInfo(path);
            free = drive.AvailableFreeSpace;
            size = drive.TotalSize;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
        }

        return new HostFigures(total, available, l1, l5, l15, Environment.ProcessorCount, free, size, path);
    }

    /// <summary>The host's memory pressure, where the kernel reports it (Linux 4.20 and later with PSI on); null elsewhere.</summary>
    public static MemoryPressure? ReadMemoryPressure()
    {
        try
        {
            return File.Exists("/proc/pressure/memory") ? MemoryPressure.Parse(File.ReadAllText("/proc/pressure/memory")) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // PSI can be compiled in but switched off (psi=0): reading it fails.
            return null;
        }
    }

    private static long Kib(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

/// <summary>
/// The homeserver's own figures (database and media size, users, rooms, daily actives). They cost a
/// few queries, so they are measured every few minutes and cached.
/// </summary>
public sealed partial class HomeserverFiguresCollector(
    HomeserverAccess homeserver,
    Storage.SynapseDatabase database,
    IContainerRuntime docker,
    HomeserverNames names,
    TimeProvider clock,
    ILogger<HomeserverFiguresCollector> logger)
{
    // Sizes cost a du and a database query: every few minutes. Counts are two admin calls, and a count
    // older than the Rooms page beside it reads as wrong ("Rooms 1" with two rooms listed).
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CountsMaxAge = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HomeserverFigures _cached = new(null, null, null, null, null, null, "Not measured yet.");
    private DateTimeOffset _countsAt = DateTimeOffset.MinValue;

    public HomeserverFigures Cached => _cached;

    public async Task<HomeserverFigures> GetAsync(bool refresh, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!refresh && _cached.MeasuredAt is { } at && now - at < MaxAge && now - _countsAt < CountsMaxAge)
        {
            return _cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sizesFresh = !refresh && _cached.MeasuredAt is { } measured && clock.GetUtcNow() - measured < MaxAge;
            _cached = await MeasureAsync(sizesFresh ? _cached : null, cancellationToken);
            _countsAt = clock.GetUtcNow();
            return _cached;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Counts the rooms now, and keeps the count for the dashboard: the one place rooms are counted.</summary>
    public async Task<int> CountRoomsAsync(CancellationToken cancellationToken)
    {
        var rooms = await CountRoomsAsync(await homeserver.GetAdminAsync(cancellationToken), cancellationToken);
        _cached = _cached with { Rooms = rooms };
        return rooms;
    }

    private static async Task<int> CountRoomsAsync(IHomeserverAdmin admin, CancellationToken cancellationToken) =>
        (await admin.ListRoomsAsync("name", false, 0, 1, cancellationToken)).Total;

    /// <summary>Measures the counts, and the sizes too unless <paramref name="sizes"/> still holds fresh ones.</summary>
    private async Task<HomeserverFigures> MeasureAsync(HomeserverFigures? sizes, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (d is not { Phase: InstallPhase.Installed })
        {
            return new HomeserverFigures(null, null, null, null, null, clock.GetUtcNow(), "No homeserver is installed.");
        }

        int? users = null, rooms = null, daily = null;
        var problems = new List<string>();
        try
        {
            var admin = homeserver.CreateAdmin(d);
            users = (await admin.ListUsersAsync(new UserQuery(Limit: 1, IncludeGuests: false), cancellationToken)).Total;
            rooms = await CountRoomsAsync(admin, cancellationToken);
            daily = (await Capacity.ShapeReader.ActiveUsersAsync(admin, clock.GetUtcNow().AddDays(-1), d.AdminUserId, cancellationToken)).Count;
        }
        catch (Exception e) when (e is DomainException or HttpRequestException)
        {
            problems.Add("The admin API did not answer: " + e.Message);
        }

        if (sizes is not null)
        {
            return sizes with { Users = users, Rooms = rooms, DailyActiveUsers = daily, Problem = problems.Count == 0 ? sizes.Problem : string.Join(" ", problems) };
        }

        var (dbBytes, mediaBytes) = await MeasureSizesAsync(d, problems, cancellationToken);
        return new HomeserverFigures(dbBytes, mediaBytes, users, rooms, daily, clock.GetUtcNow(), problems.Count == 0 ? null : string.Join(" ", problems));
    }

    private async Task<(long? Database, long? Media)> MeasureSizesAsync(HomeserverDeployment d, List<string> problems, CancellationToken cancellationToken)
    {
        long? dbBytes = null, mediaBytes = null;
        if (d.Mode != HomeserverMode.Managed)
        {
            problems.Add("Database and media sizes are only measured for a homeserver the panel runs.");
            return (null, null);
        }

        try
        {
            try
            {
                dbBytes = await database.SizeAsync(d, cancellationToken);
            }
            catch (DomainException e)
            {
                // As before the database helper: a size that cannot be read is unknown, and the media are still measured.
                LogMeasureFailed(logger, d.Database == HomeserverDatabase.Postgres ? names.Postgres : names.Synapse, e.Message);
            }

            mediaBytes = await ExecNumberAsync(names.Synapse, ["sh", "-c", "du -sb /data/media_store 2>/dev/null | cut -f1 || echo 0"], cancellationToken);
        }
        catch (Exception e) when (e is DomainException or ContainerRuntimeUnavailableException)
        {
            problems.Add("The sizes could not be read: " + e.Message);
        }

        return (dbBytes, mediaBytes);
    }

    private async Task<long?> ExecNumberAsync(string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var result = await docker.ExecAsync(container, command, null, cancellationToken);
        if (result.ExitCode == 0 && long.TryParse(result.StandardOutput.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        LogMeasureFailed(logger, container, result.StandardError.Trim());
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Measuring in {Container} failed: {Error}")]
    private static partial void LogMeasureFailed(ILogger logger, string container, string error);
}
