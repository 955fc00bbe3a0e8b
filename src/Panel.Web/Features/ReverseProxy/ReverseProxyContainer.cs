using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Infrastructure.Caddy;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.ReverseProxy;

/// <summary>What the proxy's container is given: its Caddyfile, and the provided certificate when there is one.</summary>
public sealed record ProxyFiles(string Caddyfile, string? CertificatePem, string? KeyPem, string PublicHost);

/// <summary>
/// Caddy's container: created on the homeserver's network (where Synapse is "synapse"), its files
/// written, (re)started, and watched until it serves. A change of files keeps the container, so that
/// whatever else it was connected to stays connected.
/// </summary>
public sealed class ReverseProxyContainer(IContainerRuntime docker, HomeserverNames names, HomeserverEndpoint endpoint, IOptions<ReverseProxyOptions> options, TimeProvider clock)
{
    public static readonly TimeSpan ServeTimeout = TimeSpan.FromSeconds(40);

    /// <summary>Caddy's image on this machine, pulled with progress on <paramref name="step"/> when it is not.</summary>
    public Task CheckImageAsync(OperationContext progress, string step, CancellationToken cancellationToken) =>
        docker.EnsureAsync(options.Value.Image, progress, step, cancellationToken);

    /// <summary>Creates the container when it is missing or was made for another image or other ports; returns whether it did.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        var ports = Ports();
        var existing = await docker.InspectAsync(names.Proxy, cancellationToken);
        if (existing is not null && existing.Image == options.Value.Image && existing.Ports.ToHashSet().SetEquals(ports))
        {
            return false;
        }

        if (existing is not null)
        {
            await docker.RemoveAsync(existing.Id, cancellationToken);
        }

        await docker.EnsureNetworkAsync(names.Network, new Dictionary<string, string>(), cancellationToken);
        await docker.EnsureVolumeAsync(names.ProxyData, new Dictionary<string, string>(), cancellationToken);
        await docker.CreateAsync(new ContainerSpec
        {
            Name = names.Proxy,
            Image = options.Value.Image,
            Component = ContainerComponents.Proxy,
            Network = names.Network,
            NetworkAliases = ["proxy"],
            Volumes = new Dictionary<string, string> { [names.ProxyData] = "/data" },
            Ports = ports,
            // Caddy stays small; the limit keeps a runaway from taking Synapse's memory.
            MemoryLimitBytes = 256L * 1024 * 1024,
            RestartPolicy = "unless-stopped",
        }, cancellationToken);
        return true;
    }

    public async Task WriteFilesAsync(ProxyFiles files, CancellationToken cancellationToken)
    {
        var list = new List<ContainerFile> { new(CaddyConfig.ConfigFile, Encoding.UTF8.GetBytes(files.Caddyfile)), new("certs/", [], Mode: 0b111_000_000) };
        if (files.CertificatePem is not null && files.KeyPem is not null)
        {
            list.Add(new ContainerFile(CaddyConfig.CertificateFile, Encoding.UTF8.GetBytes(files.CertificatePem), Mode: 0b110_100_100));
            list.Add(new ContainerFile(CaddyConfig.KeyFile, Encoding.UTF8.GetBytes(files.KeyPem), Mode: 0b110_000_000));
        }

        await docker.WriteFilesAsync(names.Proxy, CaddyConfig.ConfigDirectory, list, cancellationToken);
    }

    /// <summary>Starts (or restarts, to read new files) the container and waits until it answers on HTTPS; fails with Caddy's last words when it stops.</summary>
    public async Task<string> StartAndWaitAsync(ProxyFiles files, CancellationToken cancellationToken)
    {
        var container = await docker.InspectAsync(names.Proxy, cancellationToken) ?? throw new InvalidOperationException("The proxy's container is missing.");
        if (container.IsRunning)
        {
            await docker.RestartAsync(names.Proxy, TimeSpan.FromSeconds(5), cancellationToken);
        }
        else
        {
            await docker.StartAsync(names.Proxy, cancellationToken);
        }

        var started = clock.GetUtcNow();
        string? lastProblem = null;
        while (clock.GetUtcNow() - started < ServeTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var now = await docker.InspectAsync(names.Proxy, cancellationToken);
            if (now is null || !now.IsRunning)
            {
                var log = await docker.GetLogsAsync(names.Proxy, 6, cancellationToken);
                throw new DomainException("Caddy stopped: " + LastError(log)) { Details = string.Join('\n', log) };
            }

            (var served, lastProblem) = await HandshakeAsync(files, cancellationToken);
            if (served is not null)
            {
                return served;
            }
        }

        throw new DomainException($"Caddy runs but did not answer on HTTPS within {ServeTimeout.TotalSeconds:0} s: {lastProblem}");
    }

    /// <summary>A TLS handshake as a client would make it (the public host as SNI); the served certificate's names, or the problem.</summary>
    private async Task<(string? Served, string? Problem)> HandshakeAsync(ProxyFiles files, CancellationToken cancellationToken)
    {
        var (host, port) = endpoint.UsesNetwork ? ("proxy", CaddyConfig.HttpsPort) : (Loopback(options.Value.BindAddress), options.Value.HttpsPort);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, timeout.Token);
            if (files.CertificatePem is null)
            {
                // By ACME the certificate comes later; the self-check shows when it is served.
                return ("listening; the certificate comes from the certificate authority", null);
            }

            // Pinned to the provided certificate: the question is whether Caddy serves it.
            using var provided = X509Certificate2.CreateFromPem(files.CertificatePem);
            string? servedNames = null;
            await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
            {
                using var served = certificate is null ? null : new X509Certificate2(certificate);
                servedNames = served is null ? "none" : string.Join(", ", ProvidedCertificates.Names(served));
                return served?.Thumbprint == provided.Thumbprint;
            });
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = files.PublicHost }, timeout.Token);
            }
            catch (System.Security.Authentication.AuthenticationException) when (servedNames is not null)
            {
                return (null, $"it serves another certificate ({servedNames})");
            }

            return ("the provided certificate for " + servedNames, null);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException && !cancellationToken.IsCancellationRequested)
        {
            return (null, e.Message);
        }
    }

    private List<PortPublication> Ports()
    {
        var o = options.Value;
        var ports = new List<PortPublication> { new(CaddyConfig.HttpsPort, o.BindAddress, o.HttpsPort) };
        if (o.HttpPort > 0)
        {
            ports.Add(new PortPublication(CaddyConfig.HttpPort, o.BindAddress, o.HttpPort));
        }

        return ports;
    }

    private static string Loopback(string bindAddress) => bindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : bindAddress;

    /// <summary>Caddy logs JSON; its error line says what was wrong with the file.</summary>
    private static string LastError(IReadOnlyList<string> log)
    {
        var line = log.LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? (log.Count > 0 ? log[^1] : "no log");
        return line.Length > 400 ? line[..400] + "…" : line;
    }
}
