using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Capacity;

/// <summary>The <c>Panel:Capacity</c> section: how often the panel snapshots the server's shape beside its memory.</summary>
public sealed class CapacityOptions
{
    public const string Section = "Panel:Capacity";

    /// <summary>
    /// How often a snapshot is taken. Hourly keeps a year in about 9,000 rows and sees the server's
    /// daily rhythm; each costs a few admin API calls (rooms, users, devices).
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Synapse's memory right after it starts is not yet what its rooms and users make it (caches
    /// fill as clients sync): a snapshot takes no memory from this long after a start.
    /// </summary>
    public TimeSpan MemoryWarmUp { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Devices are counted one user at a time: beyond this many active users, the rest are estimated from the average.</summary>
    public int MaxUsersForDevices { get; set; } = 300;
}

internal sealed class CapacityOptionsValidator : IValidateOptions<CapacityOptions>
{
    public ValidateOptionsResult Validate(string? name, CapacityOptions options)
    {
        var errors = new List<string>();
        if (options.SnapshotInterval < TimeSpan.FromSeconds(5) || options.SnapshotInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Panel:Capacity:SnapshotInterval must be between 00:00:05 and 1.00:00:00, not {options.SnapshotInterval}.");
        }

        if (options.MemoryWarmUp < TimeSpan.Zero || options.MemoryWarmUp > TimeSpan.FromHours(6))
        {
            errors.Add($"Panel:Capacity:MemoryWarmUp must be between 00:00:00 and 06:00:00, not {options.MemoryWarmUp}.");
        }

        if (options.MaxUsersForDevices is < 1 or > 100_000)
        {
            errors.Add("Panel:Capacity:MaxUsersForDevices must be between 1 and 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
