using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Panel.Testing;

/// <summary>
/// A certificate authority made for a test run: servers get certificates from it, and the code
/// under test trusts it through its PEM file, as an owner's private CA would be trusted.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _root;

    public TestCertificateAuthority(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Homeserver Panel test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        Directory.CreateDirectory(directory);
        PemFile = Path.Combine(directory, "test-ca.pem");
        File.WriteAllText(PemFile, _root.ExportCertificatePem());
    }

    /// <summary>The CA's certificate, PEM: what the code under test is told to trust.</summary>
    public string PemFile { get; }

    /// <summary>A server certificate (with its private key) for <paramref name="names"/>, signed by this CA.</summary>
    public X509Certificate2 Issue(params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_root, true, false));
        using var issued = request.Create(_root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(16));
        // Kestrel wants a certificate whose key it can use; a PFX round trip gives it one on Linux.
        return X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pfx), null);
    }

    /// <summary>The certificate PEM and key PEM of a server certificate, for a proxy's files.</summary>
    public static (string Certificate, string Key) Pem(X509Certificate2 certificate) =>
        (certificate.ExportCertificatePem(), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    /// <summary>
    /// A handler for a client of a server behind a proxy with this CA's certificate: it trusts this CA
    /// only, and connects to <paramref name="address"/> whatever the URL's host, which still goes out as
    /// the TLS server name and the Host header (as DNS would send it there).
    /// </summary>
    public SocketsHttpHandler HandlerTo(System.Net.IPEndPoint address) => new()
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await socket.ConnectAsync(address, ct);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        },
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_root);
                return chain.Build(new X509Certificate2(certificate));
            },
        },
    };

    public void Dispose() => _root.Dispose();
}
