using Microsoft.Extensions.Options;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Synapse;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// How the panel reaches Synapse's client API: through a port published on 127.0.0.1 when the panel
/// runs on the host, or through the shared Docker network when the panel itself runs in a container.
/// </summary>
public sealed class HomeserverEndpoint
{
    private readonly IOptions<HomeserverOptions> _options;
    private readonly HomeserverNames _names;
    private readonly Lazy<string?> _ownContainer;

    public HomeserverEndpoint(IOptions<HomeserverOptions> options, HomeserverNames names, IContainerRuntime docker)
    {
        _options = options;
        _names = names;
        // /.dockerenv alone is not proof (some VMs have it); the panel runs in a container only if
        // the engine knows a container by this host's name. Asked once, on first use.
        _ownContainer = new Lazy<string?>(() =>
        {
            if (!File.Exists("/.dockerenv"))
            {
                return null;
            }

            try
            {
                // Off the caller's synchronization context (a Blazor circuit's would deadlock here).
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                return Task.Run(() => docker.InspectAsync(Environment.MachineName, timeout.Token)).GetAwaiter().GetResult()?.Id;
            }
            catch (Exception e) when (e is ContainerRuntimeUnavailableException or OperationCanceledException)
            {
                return null;
            }
        });
    }

    public bool UsesNetwork => _options.Value.ReachVia switch
    {
        "network" => true,
        "port" => false,
        _ => _ownContainer.Value is not null,
    };

    /// <summary>The panel's own container, when it runs in one.</summary>
    public string? OwnContainer => _ownContainer.Value ?? (_options.Value.ReachVia == "network" ? Environment.MachineName : null);

    /// <summary>The media worker in worker mode (through the network, or its port on 127.0.0.1); null without one.</summary>
    public string? MediaBaseUrlFor(HomeserverDeployment d)
    {
        // Read on every admin call: the layout's own property, not a list of its workers.
        if (d.Mode != HomeserverMode.Managed || d.Workers.Media is not { } media)
        {
            return null;
        }

        return UsesNetwork ? $"http://{_names.Worker(media)}:{media.Port}/" : d.MediaWorkerHostPort is { } port ? $"http://127.0.0.1:{port}/" : null;
    }

    public string BaseUrlFor(HomeserverDeployment deployment)
    {
        if (deployment.Mode == HomeserverMode.Attached)
        {
            return deployment.AttachedBaseUrl!;
        }

        return UsesNetwork
            ? $"http://{_names.Synapse}:{SynapseConfig.ClientPort}/"
            : $"http://127.0.0.1:{deployment.HostPort}/";
    }
}
