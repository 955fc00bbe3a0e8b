using System.Net;
using System.Net.Http.Json;
using Panel.Domain.Federation;
using Panel.Testing;
using Panel.Web.Features.Federation;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Federation;

/// <summary>
/// One of two homeservers that federate: a panel that installed Synapse and runs Caddy in front of it
/// with a certificate from the test CA, which its Synapse (federation_custom_ca_list) and its
/// self-check (Panel:Federation:TrustedCaFile) trust. Private addresses are allowed for federation,
/// and no notary is asked: no traffic leaves the test network.
/// </summary>
public sealed class FederatedServer(string serverName, TestCertificateAuthority ca) : HomeserverPanel(Environment(ca))
{
    public const string Password = "a long enough password";

    public string ServerName { get; } = serverName;

    public string ProxyContainer => $"{Instance}-proxy";

    public string Network => $"{Instance}-net";

    private static Dictionary<string, string> Environment(TestCertificateAuthority ca) => new()
    {
        ["Panel__Federation__TrustedCaFile"] = ca.PemFile,
        ["Panel__Federation__StepTimeoutSeconds"] = "5",
        ["Panel__ReverseProxy__BindAddress"] = "127.0.0.1",
        ["Panel__ReverseProxy__HttpsPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Panel__ReverseProxy__HttpPort"] = "0",
        // Docker's networks are private ranges, which Synapse refuses for federation by default.
        ["Panel__Homeserver__SynapseConfig__ip_range_whitelist__0"] = "172.16.0.0/12",
        ["Panel__Homeserver__SynapseConfig__ip_range_whitelist__1"] = "192.168.0.0/16",
        ["Panel__Homeserver__SynapseConfig__ip_range_whitelist__2"] = "10.0.0.0/8",
        ["Panel__Homeserver__SynapseConfig__trusted_key_servers"] = "[]",
    };

    public async Task InstallAndRunProxyAsync(TestCertificateAuthority ca)
    {
        await StartAsync();
        await InstallAsync(ServerName, "sqlite");
        await WaitUntilHealthyAsync();
        using var certificate = ca.Issue(ServerName);
        (await ApplyProxyAsync(TestCertificateAuthority.Pem(certificate))).ShouldBe(HttpStatusCode.Accepted);
        await WaitForProxyAsync();
    }

    /// <summary>PUT /api/v1/homeserver/proxy with a provided certificate; the status code.</summary>
    public async Task<HttpStatusCode> ApplyProxyAsync((string Certificate, string Key)? pem, bool serveWellKnown = true)
    {
        var response = await Api.Http.PutAsJsonAsync("/api/v1/homeserver/proxy", new { certificate = "provided", certificatePem = pem?.Certificate, keyPem = pem?.Key, serveWellKnown });
        return response.StatusCode;
    }

    public async Task WaitForProxyAsync()
    {
        var view = await WaitForOperationAsync("proxy");
        var operation = view.Operation!;
        if (!operation.Succeeded)
        {
            throw new InvalidOperationException("The proxy did not start: " + operation.Error + "\n" + string.Join("\n", operation.Steps.Select(s => $"{s.Title}: {s.Status} {s.Message}")));
        }
    }

    public async Task<MatrixClient> NewUserAsync(string name)
    {
        await Api.CreateUserAsync(new CreateUserRequest(name, null, Password, false));
        var client = new MatrixClient(await ClientUrlAsync());
        await client.LoginAsync(name, Password);
        return client;
    }

    public Task<FederationCheckReport> CheckAsync(string serverName) => Api.PostAsync<FederationCheckReport>("/api/v1/federation/check", new { serverName });

    public Task<DestinationList> DestinationsAsync() => Api.GetAsync<DestinationList>("/api/v1/federation/destinations");
}

/// <summary>
/// Two homeservers, a.fed.test and b.fed.test, that federate on the test network: each proxy joins the
/// other's network under its server name (as DNS would find it), and this machine's resolver knows
/// both names, for the panels' self-checks. Shared by a test class.
/// </summary>
public sealed class FederatedPair : IAsyncLifetime
{
    private readonly HostsFile _hosts = new();

    public FederatedPair()
    {
        Ca = new TestCertificateAuthority(TestEnvironment.NewTempDirectory("fed-ca"));
        A = new FederatedServer("a.fed.test", Ca);
        B = new FederatedServer("b.fed.test", Ca);
    }

    public TestCertificateAuthority Ca { get; }

    public FederatedServer A { get; }

    public FederatedServer B { get; }

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(A.InstallAndRunProxyAsync(Ca), B.InstallAndRunProxyAsync(Ca));
        await LinkAsync();
    }

    /// <summary>Connects each proxy to the other's network under its name and points this machine's resolver at it (again after a proxy restarts: its address can change).</summary>
    public async Task LinkAsync()
    {
        foreach (var (server, other) in new[] { (A, B), (B, A) })
        {
            var (code, output) = await DockerTestHelper.CliAsync("network", "connect", "--alias", server.ServerName, other.Network, server.ProxyContainer);
            if (code != 0 && !output.Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"docker network connect: {output}");
            }

            var inspect = await DockerTestHelper.InspectAsync(server.ProxyContainer);
            var address = inspect!.NetworkSettings!.Networks[server.Network].IPAddress;
            _hosts.Set(server.ServerName, address);
            // A proxy just (re)started takes a moment to listen: the checks that follow are about what it serves.
            await Eventually.UntilAsync(() => ListensAsync(address), listening => listening, TimeSpan.FromSeconds(30), $"{server.ServerName}'s proxy listening", TimeSpan.FromMilliseconds(250));
        }
    }

    private static async Task<bool> ListensAsync(string address)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        try
        {
            await tcp.ConnectAsync(IPAddress.Parse(address), 443, TestContext.Current.CancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _hosts.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
        // Each proxy was on the other's network too: the first network could not go while the other proxy held it.
        await DockerTestHelper.RemoveInstanceAsync(A.Instance);
        Ca.Dispose();
    }
}
