using Panel.Infrastructure.Caddy;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Caddy;

public sealed class CaddyConfigTests
{
    private static readonly CaddyConfigInput Delegated = new()
    {
        ServerHost = "example.org",
        PublicHost = "matrix.example.org",
        SynapseUpstream = "hs-synapse:8008",
        AcmeEmail = "owner@example.org",
        WellKnown = ("{\"m.server\":\"matrix.example.org:443\"}", "{\"m.homeserver\":{\"base_url\":\"https://matrix.example.org\"}}"),
    };

    [Fact]
    public void The_server_names_host_serves_only_the_discovery_files_and_the_public_host_only_synapses_routes()
    {
        var text = CaddyConfig.Generate(Delegated);

        var server = Site(text, "example.org");
        server.ShouldContain("handle /.well-known/matrix/server");
        server.ShouldContain("respond `{\"m.server\":\"matrix.example.org:443\"}` 200");
        server.ShouldContain("header Access-Control-Allow-Origin *");
        server.ShouldNotContain("reverse_proxy");
        var client = Site(text, "matrix.example.org");
        client.ShouldContain("handle /_matrix/* {\n\t\treverse_proxy hs-synapse:8008");
        client.ShouldContain("handle /_synapse/client/* {\n\t\treverse_proxy hs-synapse:8008");
        client.ShouldNotContain(".well-known");
        // Anything else (the admin API among it) is not reachable through the proxy.
        client.ShouldContain("respond \"Not found\" 404");
        client.ShouldNotContain("/_synapse/admin");
    }

    [Fact]
    public void Automatic_certificates_give_caddy_the_contact_and_no_certificate_files()
    {
        var text = CaddyConfig.Generate(Delegated);

        text.ShouldContain("\temail \"owner@example.org\"");
        text.ShouldNotContain("tls ");
        text.ShouldNotContain("auto_https");
    }

    [Fact]
    public void A_provided_certificate_is_served_on_every_host_and_caddy_asks_no_authority()
    {
        var text = CaddyConfig.Generate(Delegated with { ProvidedCertificate = true, AcmeEmail = null });

        text.ShouldContain("auto_https disable_certs");
        Site(text, "example.org").ShouldContain("tls /etc/caddy/certs/proxy.crt /etc/caddy/certs/proxy.key");
        Site(text, "matrix.example.org").ShouldContain("tls /etc/caddy/certs/proxy.crt /etc/caddy/certs/proxy.key");
    }

    [Fact]
    public void One_host_serves_both_and_without_discovery_files_none_are_served()
    {
        var text = CaddyConfig.Generate(Delegated with { ServerHost = "chat.example.org", PublicHost = "chat.example.org", WellKnown = null });

        text.Split("\nchat.example.org {").Length.ShouldBe(2);
        text.ShouldNotContain(".well-known");
        text.ShouldContain("reverse_proxy hs-synapse:8008");
    }

    [Fact]
    public async Task Caddy_itself_reads_the_generated_file()
    {
        // The real Caddy of the image the panel runs, adapting the file as it would at start.
        var dir = TestEnvironment.NewTempDirectory("caddyfile");
        await File.WriteAllTextAsync(Path.Combine(dir, "Caddyfile"), CaddyConfig.Generate(Delegated), TestContext.Current.CancellationToken);
        var (code, output) = await ProcessRunner.RunAsync("docker", "run", "--rm", "-v", $"{dir}:/check:ro", "--entrypoint", "caddy", TestEnvironment.CaddyImage, "adapt", "--config", "/check/Caddyfile", "--adapter", "caddyfile");

        code.ShouldBe(0, output);
        output.ShouldContain("\"hs-synapse:8008\"");
        output.ShouldContain("owner@example.org");
    }

    private static string Site(string text, string host)
    {
        var start = text.IndexOf("\n" + host + " {", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"no site for {host} in:\n{text}");
        return text[start..text.IndexOf("\n}\n", start, StringComparison.Ordinal)];
    }
}
