using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Panel.Infrastructure.Federation;

/// <summary>
/// One check's HTTPS client: names resolve through <see cref="FederationNetwork"/> (and SRV routes),
/// certificates are judged with the extra trusted CAs, nothing is followed or cached between checks.
/// </summary>
internal sealed class ProbeRun : IDisposable
{
    private readonly FederationNetwork _network;
    private readonly X509Certificate2Collection _trusted = [];
    private readonly Dictionary<(string, int), string> _routes = [];
    private readonly HttpClient _http;

    public ProbeRun(FederationProbeOptions options, FederationNetwork network)
    {
        _network = network;
        if (options.TrustedCaFile is { Length: > 0 } file)
        {
            _trusted.ImportFromPemFile(file);
        }

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectCallback = ConnectAsync,
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, errors) => cert is X509Certificate2 c && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && ChainProblem(c) is null },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("HomeserverPanel-FederationCheck/1");
    }

    /// <summary>Connections to <paramref name="name"/>:<paramref name="port"/> go to <paramref name="host"/> (an SRV target).</summary>
    public void Route(string name, int port, string host) => _routes[(name, port)] = host;

    /// <summary>A JSON answer, or the problem in words; <see cref="TlsRefused"/> when the host's certificate was not accepted.</summary>
    public sealed record Answer(JsonElement? Json, string? Problem, string? AllowOrigin, bool TlsRefused = false);

    /// <summary>GETs a JSON document; a non-200 answer or a body that is not JSON comes back as a problem in words.</summary>
    public async Task<Answer> GetJsonAsync(Uri url, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, ct);
        }
        catch (HttpRequestException e)
        {
            return new Answer(null, Describe(e), null, e.InnerException is System.Security.Authentication.AuthenticationException);
        }

        using (response)
        {
            var origin = response.Headers.TryGetValues("Access-Control-Allow-Origin", out var o) ? string.Join(",", o) : null;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Answer(null, $"it answered {(int)response.StatusCode} {response.ReasonPhrase}" + (response.Headers.Location is { } l ? $" (redirect to {l})" : ""), origin);
            }

            var text = await response.Content.ReadAsStringAsync(ct);
            try
            {
                return new Answer(JsonDocument.Parse(text).RootElement.Clone(), null, origin);
            }
            catch (JsonException)
            {
                return new Answer(null, "the answer is not JSON", origin);
            }
        }
    }

    /// <summary>Null when the chain reaches a trusted root (the system's or the extra CAs); else why not.</summary>
    public string? ChainProblem(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (_trusted.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        // With extra CAs, the system's roots are tried too.
        if (_trusted.Count > 0)
        {
            using var system = new X509Chain();
            system.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (system.Build(certificate))
            {
                return null;
            }
        }

        return string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
    }

    public static string Describe(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException s } => $"cannot connect ({s.SocketErrorCode})",
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } => "its TLS certificate is not valid for the name, or not trusted",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => e.Message,
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = _routes.TryGetValue((context.DnsEndPoint.Host, context.DnsEndPoint.Port), out var routed) ? routed : context.DnsEndPoint.Host;
        var addresses = await _network.ResolveAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException($"{host} has no address in DNS");
        }

        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(addresses[0], context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();
}
