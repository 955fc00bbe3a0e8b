namespace Panel.Web.Features.Homeserver;

/// <summary>Which Synapse image the install wizard proposes, and why.</summary>
public static class SynapseImageChoice
{
    /// <summary>
    /// The official image when it is on this machine or nothing else is. Otherwise a local Synapse image
    /// (its <c>latest</c> tag first): a machine with its own build usually has no registry to pull from,
    /// and an image that cannot be had is no default. The note says what was picked and why.
    /// </summary>
    public static (string Image, string? Note) Default(string official, IReadOnlyList<string> local)
    {
        if (local.Contains(official, StringComparer.Ordinal))
        {
            return (official, $"{official} is already on this machine.");
        }

        var candidate = local.Where(i => i.Contains("synapse", StringComparison.OrdinalIgnoreCase))
            .OrderBy(i => i.EndsWith(":latest", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(i => i, StringComparer.Ordinal)
            .FirstOrDefault();
        return candidate is null
            ? (official, $"{official} is pulled from its registry during the install: this machine has no Synapse image yet.")
            : (candidate, $"{official} is not on this machine, so the local image {candidate} is pre-filled: it works without a registry. Pick {official} to pull it instead.");
    }
}
