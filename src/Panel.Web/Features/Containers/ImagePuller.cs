using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Containers;

/// <summary>
/// Makes sure an image is on this machine, pulling it when it is not, with the pull's total progress
/// (bytes of all layers together) on an operation's step. The one place where the panel pulls.
/// </summary>
public static class ImagePuller
{
    /// <summary>Returns true when the image had to be pulled, false when it was already here.</summary>
    /// <exception cref="ImageUnavailableException">The image is not here and could not be pulled.</exception>
    public static async Task<bool> EnsureAsync(this IContainerRuntime docker, string image, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        if (await docker.ImageExistsAsync(image, cancellationToken))
        {
            return false;
        }

        var layers = new Dictionary<string, (long Current, long Total)>();
        await docker.PullImageAsync(image, new Progress<PullProgress>(p =>
        {
            lock (layers)
            {
                if (p.Total is > 0 && p.Current is { } current)
                {
                    layers[p.Layer] = (current, p.Total.Value);
                }

                progress.Progress(step, Percent(layers.Values), layers.Count == 0
                    ? $"Pulling {image}: {p.Layer} {p.Status}".Trim()
                    : $"Pulling {image}: {layers.Count} layer(s), {new ByteSize(layers.Values.Sum(l => l.Current))} of {new ByteSize(layers.Values.Sum(l => l.Total))}");
            }
        }), cancellationToken);
        return true;
    }

    /// <summary>The share of all known layers' bytes that has arrived; null before any layer has a size.</summary>
    public static double? Percent(IEnumerable<(long Current, long Total)> layers)
    {
        long current = 0, total = 0;
        foreach (var (c, t) in layers)
        {
            current += c;
            total += t;
        }

        return total > 0 ? Math.Min(100, current * 100.0 / total) : null;
    }
}
