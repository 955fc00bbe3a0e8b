using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Panel.Infrastructure.Docker;

// Networks and volumes, created with the ownership labels.
internal sealed partial class DockerContainerRuntime
{
    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await Docker.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
            }, cancellationToken);
            if (existing.Any(n => n.Name == name))
            {
                return true;
            }

            await Docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = name, Driver = "bridge", Labels = OwnedLabels(labels, null) }, cancellationToken);
            LogCreated(logger, "network", name);
            return true;
        });

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var network = await Docker.Networks.InspectNetworkAsync(name, cancellationToken);
                EnsureOwned(network.Labels?.AsReadOnly(), "network " + name);
                await Docker.Networks.DeleteNetworkAsync(name, cancellationToken);
                LogRemoved(logger, "network", name);
            }
            catch (DockerNetworkNotFoundException)
            {
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
            }

            return true;
        });

    public Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken, IReadOnlyList<string>? aliases = null) =>
        CallAsync(async () =>
        {
            var inspect = await Docker.Networks.InspectNetworkAsync(network, cancellationToken);
            EnsureOwned(inspect.Labels?.AsReadOnly(), "network " + network);
            var target = await Docker.Containers.InspectContainerAsync(container, cancellationToken);
            if (inspect.Containers?.ContainsKey(target.ID) != true)
            {
                await Docker.Networks.ConnectNetworkAsync(network, new NetworkConnectParameters { Container = target.ID, EndpointConfig = aliases is { Count: > 0 } ? new EndpointSettings { Aliases = [.. aliases] } : null }, cancellationToken);
            }

            return true;
        });

    public Task EnsureVolumeAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            if (!await VolumeExistsAsync(name, cancellationToken))
            {
                await Docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = name, Labels = OwnedLabels(labels, null) }, cancellationToken);
                LogCreated(logger, "volume", name);
            }

            return true;
        });

    public Task<bool> VolumeExistsAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                await Docker.Volumes.InspectAsync(name, cancellationToken);
                return true;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        });

    public Task RemoveVolumeAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var volume = await Docker.Volumes.InspectAsync(name, cancellationToken);
                EnsureOwned(volume.Labels?.AsReadOnly(), "volume " + name);
                await Docker.Volumes.RemoveAsync(name, force: true, cancellationToken);
                LogRemoved(logger, "volume", name);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
            }

            return true;
        });
}
