using Panel.Domain.Common;
using Panel.Domain.Federation;

namespace Panel.Domain.Tests.Federation;

public sealed class ReverseProxySettingsTests
{
    [Fact]
    public void A_provided_certificate_needs_its_key_once_and_keeps_it_when_only_the_certificate_changes()
    {
        var settings = ReverseProxySettings.Default();
        Should.Throw<DomainException>(() => settings.Configure(ProxyCertificate.Provided, null, "CERT", null, true)).Message.ShouldContain("both the certificate");
        settings.Enabled.ShouldBeFalse();

        settings.Configure(ProxyCertificate.Provided, null, "CERT", "sealed-key", true);
        settings.Configure(ProxyCertificate.Provided, null, "NEW CERT", null, false);

        settings.CertificatePem.ShouldBe("NEW CERT\n");
        settings.KeyPemProtected.ShouldBe("sealed-key");
        settings.ServeWellKnown.ShouldBeFalse();
        settings.Enabled.ShouldBeTrue();
    }

    [Fact]
    public void Automatic_certificates_forget_a_provided_one_and_check_the_contact()
    {
        var settings = ReverseProxySettings.Default();
        settings.Configure(ProxyCertificate.Provided, null, "CERT", "sealed-key", true);

        Should.Throw<DomainException>(() => settings.Configure(ProxyCertificate.Automatic, "not an address", null, null, true)).Message.ShouldContain("is not an e-mail address");
        settings.Configure(ProxyCertificate.Automatic, " owner@example.org ", null, null, true);

        settings.AcmeEmail.ShouldBe("owner@example.org");
        settings.CertificatePem.ShouldBeNull();
        settings.KeyPemProtected.ShouldBeNull();
        settings.Disable();
        settings.Enabled.ShouldBeFalse();
    }

    [Fact]
    public void The_discovery_files_name_the_public_host_and_port_and_the_client_address()
    {
        MatrixDiscovery.ServerJson("https://matrix.example.org/").ShouldBe("{\"m.server\":\"matrix.example.org:443\"}");
        MatrixDiscovery.ServerJson("https://matrix.example.org:8443/").ShouldBe("{\"m.server\":\"matrix.example.org:8443\"}");
        MatrixDiscovery.ClientJson("https://matrix.example.org/").ShouldBe("{\"m.homeserver\":{\"base_url\":\"https://matrix.example.org\"}}");
    }
}
