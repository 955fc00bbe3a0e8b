using Panel.Infrastructure.Caddy;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Caddy;

public sealed class ProvidedCertificatesTests : IDisposable
{
    private readonly TestCertificateAuthority _ca = new(TestEnvironment.NewTempDirectory("provided-ca"));

    [Fact]
    public void A_certificate_with_its_key_for_every_host_fits()
    {
        using var certificate = _ca.Issue("example.org", "matrix.example.org");
        var (pem, key) = TestCertificateAuthority.Pem(certificate);

        ProvidedCertificates.Problem(pem, key, ["example.org", "matrix.example.org"], DateTimeOffset.UtcNow).ShouldBeNull();
    }

    [Fact]
    public void A_certificate_missing_a_host_names_what_it_is_for_and_what_it_lacks()
    {
        using var certificate = _ca.Issue("example.org");
        var (pem, key) = TestCertificateAuthority.Pem(certificate);

        ProvidedCertificates.Problem(pem, key, ["example.org", "matrix.example.org"], DateTimeOffset.UtcNow)
            .ShouldBe("The certificate is for example.org, not for matrix.example.org: other servers would refuse it.");
    }

    [Fact]
    public void Another_certificates_key_or_garbage_is_refused_in_words()
    {
        using var one = _ca.Issue("example.org");
        using var other = _ca.Issue("example.org");
        var (pem, _) = TestCertificateAuthority.Pem(one);
        var (_, otherKey) = TestCertificateAuthority.Pem(other);

        ProvidedCertificates.Problem(pem, otherKey, ["example.org"], DateTimeOffset.UtcNow).ShouldNotBeNull().ShouldStartWith("The certificate and key cannot be read together");
        ProvidedCertificates.Problem("not a certificate", "nor a key", ["example.org"], DateTimeOffset.UtcNow).ShouldNotBeNull().ShouldStartWith("The certificate and key cannot be read together");
    }

    [Fact]
    public void An_expired_certificate_says_when_it_expired()
    {
        using var certificate = _ca.Issue("example.org");
        var (pem, key) = TestCertificateAuthority.Pem(certificate);

        ProvidedCertificates.Problem(pem, key, ["example.org"], certificate.NotAfter.AddDays(1)).ShouldNotBeNull().ShouldStartWith("The certificate expired on ");
    }

    public void Dispose() => _ca.Dispose();
}
