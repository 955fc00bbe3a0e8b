using Microsoft.Extensions.Options;
using Panel.Domain.Homeserver;

namespace Panel.Web.Features.Homeserver;

/// <summary>The <c>Panel:Homeserver</c> section: defaults for the install wizard and timings.</summary>
public sealed class HomeserverOptions
{
    public const string Section = "Panel:Homeserver";

    /// <summary>The Synapse image the wizard proposes (users on hosts without a registry pick a local build).</summary>
    public string DefaultSynapseImage { get; set; } = "ghcr.io/element-hq/synapse:v1.160.0";

    public string DefaultPostgresImage { get; set; } = "docker.io/library/postgres:17";

    /// <summary>Redis for worker mode (deploy/images/build-from-debian.sh redis builds one from Debian's package).</summary>
    public string RedisImage { get; set; } = "docker.io/library/redis:7";

    /// <summary>How long Synapse may take to answer /health after a start before the panel calls it failed.</summary>
    public int HealthTimeoutSeconds { get; set; } = 180;

    /// <summary>
    /// How the panel reaches Synapse: <c>auto</c> (through the shared network when the panel itself runs
    /// in a container, else through a port published on 127.0.0.1), <c>port</c>, or <c>network</c>.
    /// </summary>
    public string ReachVia { get; set; } = "auto";

    /// <summary>
    /// The host port (on 127.0.0.1) that Synapse's client API is published on. Unset, the panel picks a
    /// free one; set it when a reverse proxy on the host must find Synapse at a known address, and
    /// when the panel runs in a container (it cannot see which host ports are free).
    /// </summary>
    public int? HostPort { get; set; }

    /// <summary>
    /// How long each comparison window of a memory change is: the same length before the change and
    /// after it. An hour sees a few syncs of every client; a day sees the server's daily rhythm.
    /// </summary>
    public TimeSpan MemoryComparisonWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after a change Synapse is left to warm up (caches refilling) before the window after starts.</summary>
    public TimeSpan MemoryWarmUp { get; set; } = TimeSpan.FromMinutes(5);
}

internal sealed class HomeserverOptionsValidator : IValidateOptions<HomeserverOptions>
{
    public ValidateOptionsResult Validate(string? name, HomeserverOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DefaultSynapseImage))
        {
            errors.Add("Panel:Homeserver:DefaultSynapseImage must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultPostgresImage))
        {
            errors.Add("Panel:Homeserver:DefaultPostgresImage must not be empty.");
        }

        if (options.HealthTimeoutSeconds is < 10 or > 3600)
        {
            errors.Add("Panel:Homeserver:HealthTimeoutSeconds must be between 10 and 3600.");
        }

        if (options.HostPort is < 1 or > 65535)
        {
            errors.Add($"Panel:Homeserver:HostPort must be a TCP port between 1 and 65535, not {options.HostPort}.");
        }

        if (options.ReachVia is not ("auto" or "port" or "network"))
        {
            errors.Add($"Panel:Homeserver:ReachVia must be 'auto', 'port' or 'network', not '{options.ReachVia}'.");
        }

        if (options.MemoryComparisonWindow < MemoryChange.MinimumWindow || options.MemoryComparisonWindow > MemoryChange.MaximumWindow)
        {
            errors.Add($"Panel:Homeserver:MemoryComparisonWindow must be between {MemoryChange.MinimumWindow} and {MemoryChange.MaximumWindow}, not {options.MemoryComparisonWindow}.");
        }

        if (options.MemoryWarmUp < TimeSpan.Zero || options.MemoryWarmUp > TimeSpan.FromHours(6))
        {
            errors.Add($"Panel:Homeserver:MemoryWarmUp must be between 00:00:00 and 06:00:00, not {options.MemoryWarmUp}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
