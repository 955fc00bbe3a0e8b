using System.Text.Json.Nodes;
using Panel.Domain.Common;

namespace Panel.Domain.Federation;

/// <summary>Where the proxy's TLS certificate comes from.</summary>
public enum ProxyCertificate
{
    /// <summary>Caddy obtains and renews one by ACME (Let's Encrypt): needs a real domain pointing here, ports 80 and 443 open.</summary>
    Automatic,

    /// <summary>The owner gives a certificate and its key (a private CA, or one obtained elsewhere).</summary>
    Provided,
}

/// <summary>
/// The reverse proxy the panel can run in front of the Synapse it runs (Caddy): TLS, the client and
/// federation routes, and the two discovery files. Owners who run their own proxy leave it off. One row per panel.
/// </summary>
public sealed class ReverseProxySettings
{
    public const int SingletonId = 1;

    private ReverseProxySettings() { }

    public int Id { get; private set; } = SingletonId;

    public bool Enabled { get; private set; }

    public ProxyCertificate Certificate { get; private set; }

    /// <summary>The ACME account's contact, for expiry warnings from the certificate authority.</summary>
    public string? AcmeEmail { get; private set; }

    /// <summary>The provided certificate chain (PEM). Public, so stored as it is.</summary>
    public string? CertificatePem { get; private set; }

    /// <summary>The provided certificate's private key, encrypted at rest.</summary>
    public string? KeyPemProtected { get; private set; }

    /// <summary>Serve /.well-known/matrix/server and /client on the server name's host (off when another web server has that host).</summary>
    public bool ServeWellKnown { get; private set; } = true;

    public static ReverseProxySettings Default() => new();

    /// <summary>Turns the proxy on (or changes it). A provided certificate keeps its key when only the certificate's other settings change.</summary>
    public void Configure(ProxyCertificate certificate, string? acmeEmail, string? certificatePem, string? keyPemProtected, bool serveWellKnown)
    {
        if (certificate == ProxyCertificate.Automatic)
        {
            var email = string.IsNullOrWhiteSpace(acmeEmail) ? null : acmeEmail.Trim();
            if (email is not null && (email.Length > 254 || email.IndexOf('@', StringComparison.Ordinal) is < 1 || email.EndsWith('@') || email.Any(char.IsWhiteSpace)))
            {
                throw new DomainException($"'{email}' is not an e-mail address: the certificate authority writes to it before a certificate expires.");
            }

            AcmeEmail = email;
            CertificatePem = null;
            KeyPemProtected = null;
        }
        else
        {
            var key = keyPemProtected ?? KeyPemProtected;
            if (string.IsNullOrWhiteSpace(certificatePem) || key is null)
            {
                throw new DomainException("A provided certificate needs both the certificate (PEM) and its private key (PEM).");
            }

            CertificatePem = certificatePem.Trim() + "\n";
            KeyPemProtected = key;
            AcmeEmail = null;
        }

        Certificate = certificate;
        ServeWellKnown = serveWellKnown;
        Enabled = true;
    }

    public void Disable() => Enabled = false;
}

/// <summary>
/// The two Matrix discovery files for a server whose clients and federation are served at
/// <c>publicBaseUrl</c>: one home for their content, served by the panel and by the proxy it runs.
/// </summary>
public static class MatrixDiscovery
{
    /// <summary><c>{"m.server": "host:port"}</c>: other servers federate with the public host, on 443 unless the URL names a port.</summary>
    public static string ServerJson(string publicBaseUrl)
    {
        var uri = new Uri(publicBaseUrl);
        return new JsonObject { ["m.server"] = $"{uri.Host}:{(uri.IsDefaultPort ? 443 : uri.Port)}" }.ToJsonString();
    }

    /// <summary><c>{"m.homeserver": {"base_url": ...}}</c>: where clients find the server.</summary>
    public static string ClientJson(string publicBaseUrl) =>
        new JsonObject { ["m.homeserver"] = new JsonObject { ["base_url"] = publicBaseUrl.TrimEnd('/') } }.ToJsonString();
}
