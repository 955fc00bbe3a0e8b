using Docker.DotNet;
using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;

namespace Panel.Infrastructure.Docker;

/// <summary>One cached Docker client per endpoint, built on first use from validated options.</summary>
internal sealed class DockerClientFactory(IOptions<DockerOptions> options) : IDisposable
{
    private readonly Lazy<IDockerClient> _client = new(() => Create(options.Value.Endpoint));

    public IDockerClient Client => _client.Value;

    public string Endpoint => options.Value.Endpoint;

    public static IDockerClient Create(string endpoint)
    {
        var uri = new Uri(endpoint.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)
            ? "http://" + endpoint["tcp://".Length..]
            : endpoint);
        // Pinned to API 1.41 (Docker 20.10, Debian 12's engine): every call the panel makes exists
        // there, and newer engines still serve it.
        return new DockerClientBuilder()
            .WithEndpoint(uri)
            .WithApiVersion(new Version(1, 41))
            .WithTimeout(TimeSpan.FromSeconds(100))
            .Build();
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
