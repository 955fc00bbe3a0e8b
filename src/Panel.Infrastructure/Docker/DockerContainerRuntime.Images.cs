using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

// Images: whether one is here, what it runs, pulling it.
internal sealed partial class DockerContainerRuntime
{
    public async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) =>
        await CallAsync(async () =>
        {
            try
            {
                await Docker.Images.InspectImageAsync(image, cancellationToken);
                return true;
            }
            catch (DockerImageNotFoundException)
            {
                return false;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        });

    public Task<ImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var i = await Docker.Images.InspectImageAsync(image, cancellationToken);
                return new ImageInfo(i.ID, i.Config?.Entrypoint?.ToList() ?? [], i.Config?.Cmd?.ToList() ?? [], string.IsNullOrEmpty(i.Config?.User) ? null : i.Config.User);
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return (ImageInfo?)null;
            }
        });

    public Task<IReadOnlyList<string>> ListImagesAsync(string contains, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<string>>(async () =>
        {
            var images = await Docker.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
            return images.SelectMany(i => i.RepoTags ?? [])
                .Where(t => t != "<none>:<none>" && t.Contains(contains, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
        });

    public async Task PullImageAsync(string image, IProgress<PullProgress> progress, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitImage(image);
        string? error = null;
        var relay = new Progress<JSONMessage>(m =>
        {
            if (m.Error is not null)
            {
                error = m.Error.Message;
                return;
            }

            progress.Report(new PullProgress(m.ID ?? "", m.Status ?? "", m.Progress?.Current, m.Progress?.Total));
        });
        try
        {
            await CallAsync(async () =>
            {
                await Docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null, relay, cancellationToken);
                return true;
            });
        }
        catch (ContainerEngineException e)
        {
            error ??= e.EngineMessage;
        }

        if (error is not null || !await ImageExistsAsync(image, cancellationToken))
        {
            throw new ImageUnavailableException(
                $"The image {image} is not on this machine and could not be downloaded: {PullFailure.Reason(image, error)}. " +
                "Choose an image that is already here (the list shows them), or load one with 'docker load' on this machine.")
            {
                Details = error ?? "The pull ended without the image.",
            };
        }

        LogPulled(logger, image);
    }

    internal static (string Name, string Tag) SplitImage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}
