using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Panel.Domain.Federation;
using Panel.Infrastructure.Federation;

namespace Panel.Infrastructure.Tests.Federation;

/// <summary>
/// A STUB of a Matrix server's public face, on a loopback address: the discovery files on :443 and
/// the federation API on :8448, with real TLS and real ed25519 signatures. The probe's own network
/// code runs against it; what it serves is switched per test (<see cref="Behaviour"/>). The real
/// Synapse pair is the end-to-end test.
/// </summary>
public sealed class StubMatrixServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Ed25519PrivateKeyParameters _signingKey = new(new SecureRandom());

    public sealed class Switches
    {
        public string? Delegation { get; set; }
        public bool ClientFile { get; set; } = true;
        public bool Cors { get; set; } = true;
        public bool FederationRoutes { get; set; } = true;
        public bool TamperKeys { get; set; }
    }

    public StubMatrixServer(IPAddress address, string serverName, X509Certificate2 certificate)
    {
        ServerName = serverName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, 443, l => l.UseHttps(certificate));
            k.Listen(address, 8448, l => l.UseHttps(certificate));
        });
        _app = builder.Build();
        _app.MapGet("/.well-known/matrix/server", () => Behaviour.Delegation is { } to ? Results.Json(new Dictionary<string, string> { ["m.server"] = to }) : Results.NotFound());
        _app.MapGet("/.well-known/matrix/client", (HttpContext http) =>
        {
            if (Behaviour.Cors)
            {
                http.Response.Headers.AccessControlAllowOrigin = "*";
            }

            return Behaviour.ClientFile ? Results.Json(new JsonObject { ["m.homeserver"] = new JsonObject { ["base_url"] = ClientUrl.AbsoluteUri } }) : Results.NotFound();
        });
        _app.MapGet("/_matrix/client/versions", () => Results.Json(new { versions = new[] { "v1.11" } }));
        _app.MapGet("/_matrix/federation/v1/version", () => Behaviour.FederationRoutes ? Results.Json(new { server = new { name = "Synapse", version = "1.160.0" } }) : Results.NotFound());
        _app.MapGet("/_matrix/key/v2/server", () => Behaviour.FederationRoutes ? Results.Text(SignedKeys(), "application/json") : Results.NotFound());
    }

    public string ServerName { get; }

    public Uri ClientUrl => new($"https://{ServerName}/");

    public Switches Behaviour { get; } = new();

    public Task StartAsync() => _app.StartAsync();

    private string SignedKeys()
    {
        var keys = new JsonObject
        {
            ["server_name"] = ServerName,
            ["valid_until_ts"] = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { ["ed25519:stub"] = new JsonObject { ["key"] = Unpadded(_signingKey.GeneratePublicKey().GetEncoded()) } },
            ["old_verify_keys"] = new JsonObject(),
        };
        var bytes = CanonicalJson.Encode(JsonSerializer.SerializeToElement(keys));
        var signer = new Ed25519Signer();
        signer.Init(true, _signingKey);
        signer.BlockUpdate(bytes, 0, bytes.Length);
        keys["signatures"] = new JsonObject { [ServerName] = new JsonObject { ["ed25519:stub"] = Unpadded(signer.GenerateSignature()) } };
        if (Behaviour.TamperKeys)
        {
            // What a proxy or a man in the middle that rewrites the answer would do.
            keys["valid_until_ts"] = DateTimeOffset.UtcNow.AddDays(2).ToUnixTimeMilliseconds();
        }

        return keys.ToJsonString();
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>Names resolve to the loopback addresses the tests chose; SRV records are a dictionary.</summary>
public sealed class LoopbackNetwork : FederationNetwork
{
    public Dictionary<string, IPAddress> Hosts { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, (string, int)> Srv { get; } = new(StringComparer.OrdinalIgnoreCase);

    public override Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Task.FromResult(Hosts.TryGetValue(host, out var a) ? new[] { a } : []);

    public override Task<(string Target, int Port)?> SrvAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Srv.TryGetValue(name, out var r) ? ((string, int)?)r : null);
}
