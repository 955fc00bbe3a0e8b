using Panel.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Panel.Web.Tests.Host;

public sealed class HealthAndConfigTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthz_needs_no_sign_in_and_reports_database_and_Docker()
    {
        using var factory = new PanelWebFactory();

        var response = await factory.CreateApiClient().GetAsync("/healthz", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("healthy");
        var docker = body.GetProperty("checks").GetProperty("docker");
        docker.GetProperty("status").GetString().ShouldBe("healthy");
        docker.GetProperty("message").GetString()!.ShouldContain("Docker Engine");
    }

    [Fact]
    public async Task The_panel_works_through_a_tcp_socket_proxy_instead_of_the_raw_socket()
    {
        await using var relay = new DockerTcpRelay().Start();
        using var factory = new PanelWebFactory(new() { ["Panel:Docker:Endpoint"] = relay.Endpoint });
        var owner = await factory.EnsureOwnerAsync();
        var api = factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id));

        var health = await api.GetFromJsonAsync<JsonElement>("/healthz", Ct);
        var images = await api.GetFromJsonAsync<JsonElement>("/api/v1/homeserver/images", Ct);

        health.GetProperty("checks").GetProperty("docker").GetProperty("status").GetString().ShouldBe("healthy");
        images.GetProperty("synapse").EnumerateArray().ShouldContain(i => i.GetString()!.StartsWith("homeserver-panel/synapse:", StringComparison.Ordinal));
        relay.Connections.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Healthz_when_Docker_is_unreachable_is_degraded_with_a_message()
    {
        using var factory = new PanelWebFactory(new() { ["Panel:Docker:Endpoint"] = "unix:///tmp/no-docker-here.sock" });

        var body = await factory.CreateApiClient().GetFromJsonAsync<JsonElement>("/healthz", Ct);

        body.GetProperty("status").GetString().ShouldBe("degraded");
        var docker = body.GetProperty("checks").GetProperty("docker");
        docker.GetProperty("status").GetString().ShouldBe("degraded");
        docker.GetProperty("message").GetString()!.ShouldContain("/tmp/no-docker-here.sock");
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        using var factory = new PanelWebFactory();

        var response = await factory.CreateBrowserClient().GetAsync("/setup", Ct);

        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
    }
}
