using Panel.Domain.Common;

namespace Panel.Domain.Storage;

/// <summary>Something the Storage page can take back, with its estimated saving.</summary>
public sealed record Reclaimable(string What, long Bytes);

public sealed record DiskAlert(string Title, string Message);

/// <summary>
/// When the disk needs the owner: free space under a share of the disk now, or within
/// <see cref="HorizonDays"/> at the current growth. The alert names the biggest thing the panel can
/// take back, so that it says what to do, not only that something is wrong.
/// </summary>
public static class DiskWatch
{
    public const int HorizonDays = 14;

    public static DiskAlert? Evaluate(long? freeBytes, long? totalBytes, double? daysUntilFull, int freePercentThreshold, IEnumerable<Reclaimable> reclaimable)
    {
        if (freeBytes is not { } free || totalBytes is not { } total || total <= 0)
        {
            return null;
        }

        var low = free * 100.0 / total < freePercentThreshold;
        var soon = daysUntilFull is { } days && days < HorizonDays;
        if (!low && !soon)
        {
            return null;
        }

        var biggest = reclaimable.Where(r => r.Bytes > 0).MaxBy(r => r.Bytes);
        var why = low
            ? $"Only {new ByteSize(free)} of {new ByteSize(total)} is free on the homeserver's disk (under {freePercentThreshold} %)."
            : $"At the growth of the last weeks, the homeserver's disk is full in {Math.Max(0, daysUntilFull!.Value):0} days ({new ByteSize(free)} free).";
        var what = biggest is null
            ? " Nothing the panel can purge would help much: see the Storage page, or give the server more disk."
            : $" The biggest thing to take back: {biggest.What}, about {new ByteSize(biggest.Bytes)} (Storage page).";
        return new DiskAlert(low ? "Disk almost full" : "Disk filling up", why + what);
    }
}
