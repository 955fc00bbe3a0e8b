using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Panel.Infrastructure.Caddy;

/// <summary>Checks a certificate the owner pastes before the proxy serves it, so a mistake is named here and not by a failing handshake.</summary>
public static class ProvidedCertificates
{
    /// <summary>What is wrong with the certificate for <paramref name="hosts"/>, in words; null when it fits.</summary>
    public static string? Problem(string certificatePem, string keyPem, IReadOnlyCollection<string> hosts, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return "The certificate and key cannot be read together: paste the certificate's PEM block(s) (BEGIN CERTIFICATE) and its own private key (BEGIN PRIVATE KEY). " + e.Message;
        }

        using (certificate)
        {
            if (now < certificate.NotBefore)
            {
                return $"The certificate is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.";
            }

            if (now > certificate.NotAfter)
            {
                return $"The certificate expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}.";
            }

            var missing = hosts.Where(h => !certificate.MatchesHostname(h)).ToList();
            return missing.Count == 0 ? null
                : $"The certificate is for {string.Join(", ", Names(certificate))}, not for {string.Join(" and ", missing)}: other servers would refuse it.";
        }
    }

    /// <summary>The DNS names a certificate is valid for (its subject alternative names, else its common name).</summary>
    public static IReadOnlyList<string> Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
        return names.Count > 0 ? names : [certificate.GetNameInfo(X509NameType.SimpleName, false)];
    }
}
