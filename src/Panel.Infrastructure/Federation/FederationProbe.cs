using System.Text.Json;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Federation;

/// <summary>
/// Matrix server discovery and trust, step by step, as the spec's "Resolving server names" has a
/// remote server do it: the name's addresses, its delegation (.well-known, else SRV, else :8448),
/// TLS for the delegated name, the federation API, the signed keys, and the client discovery file.
/// </summary>
public sealed partial class FederationProbe(FederationProbeOptions options, FederationNetwork network, TimeProvider time) : IFederationProbe
{
    private const int DefaultPort = 8448;

    public async Task<FederationCheckReport> CheckAsync(string serverName, Uri? expectedClientUrl, CancellationToken cancellationToken)
    {
        var name = ServerName.Parse(serverName);
        using var run = new ProbeRun(options, network);
        var steps = new List<FederationCheckStep>();

        var addresses = await StepAsync(1, steps, async ct =>
        {
            var found = await network.ResolveAsync(name.Host, ct);
            return found.Length > 0
                ? (Ok($"{name.Host} is at {string.Join(", ", found.Select(a => a.ToString()))}"), found)
                : (Fail($"{name.Host} has no address in DNS.", $"Add an A (or AAAA) record for {name.Host} pointing at this server's public address."), found);
        }, cancellationToken);

        if (addresses is not { Length: > 0 })
        {
            return Report(name, steps, skipFrom: 2, "needs the name to resolve (step 1)");
        }

        var target = await StepAsync(2, steps, ct => DelegationAsync(run, name, ct), cancellationToken);
        await TransportStepsAsync(run, name, target!, steps, cancellationToken);
        await StepAsync(6, steps, async ct => (await ClientDiscoveryAsync(run, name, expectedClientUrl, ct), true), cancellationToken);
        return new FederationCheckReport(name.Value, time.GetUtcNow(), steps);
    }

    /// <summary>Where other servers connect, and the name the certificate there must carry.</summary>
    private sealed record Target(string Host, int Port, string CertificateName, bool Delegated);

    private async Task<(FederationCheckStep, Target)> DelegationAsync(ProbeRun run, ServerName name, CancellationToken ct)
    {
        if (name.Port is { } port)
        {
            return (Ok($"The name has a port: other servers connect to {name.Value} directly and look up no delegation."), new Target(name.Host, port, name.Host, true));
        }

        var wellKnown = await run.GetJsonAsync(new Uri($"https://{name.Host}/.well-known/matrix/server"), ct);
        if (wellKnown.Json is { } json && json.TryGetProperty("m.server", out var server) && server.ValueKind == JsonValueKind.String)
        {
            if (!ServerName.TryParse(server.GetString(), out var delegated, out var error))
            {
                return (Fail($"/.well-known/matrix/server names m.server '{server.GetString()}': {error}", "Put the host (and port) that serves federation in m.server, like matrix.example.org:443."), new Target(name.Host, DefaultPort, name.Host, false));
            }

            var to = delegated!.Port is { } p ? new Target(delegated.Host, p, delegated.Host, true) : await SrvOrDefaultAsync(delegated.Host, ct);
            return (Ok($"/.well-known/matrix/server delegates to {delegated.Value}" + (delegated.Port is null ? $", which means {to.Host}:{to.Port}" : "")), to);
        }

        if (wellKnown.TlsRefused)
        {
            // The file could not be read because of the certificate on the name's own host: the cause
            // is TLS, so step 3 looks at that host and says what is wrong with its certificate.
            return (Skip(2, $"/.well-known/matrix/server could not be read, because {name.Host}:443 has a certificate this check refuses (step 3 says why)"),
                new Target(name.Host, 443, name.Host, false));
        }

        var srv = await network.SrvAsync("_matrix-fed._tcp." + name.Host, ct);
        if (srv is { } record)
        {
            return (Ok($"No /.well-known/matrix/server ({wellKnown.Problem ?? "no m.server"}), but the SRV record _matrix-fed._tcp.{name.Host} points to {record.Target}:{record.Port}"), new Target(record.Target, record.Port, name.Host, true));
        }

        return (Fail($"No /.well-known/matrix/server ({wellKnown.Problem ?? "it has no m.server"}) and no _matrix-fed._tcp SRV record: other servers will try {name.Host}:{DefaultPort}.",
                "Serve /.well-known/matrix/server with {\"m.server\": \"" + name.Host + ":443\"} (the panel serves it when the proxy forwards /.well-known/matrix/ to it), or open port 8448 to Synapse."),
            new Target(name.Host, DefaultPort, name.Host, false));
    }

    private async Task<Target> SrvOrDefaultAsync(string host, CancellationToken ct) =>
        await network.SrvAsync("_matrix-fed._tcp." + host, ct) is { } srv ? new Target(srv.Target, srv.Port, host, true) : new Target(host, DefaultPort, host, true);

    private async Task<FederationCheckStep> ClientDiscoveryAsync(ProbeRun run, ServerName name, Uri? expected, CancellationToken ct)
    {
        var fix = "Forward /.well-known/matrix/ on " + name.Host + " to the panel, which serves both discovery files.";
        var answer = await run.GetJsonAsync(new Uri($"https://{name.Host}/.well-known/matrix/client"), ct);
        if (answer.Json is not { } json)
        {
            return expected is null
                ? new FederationCheckStep(0, "", CheckOutcome.Skipped, $"No client discovery file ({answer.Problem}): people must type the homeserver's address in their app.")
                : Fail($"No client discovery file ({answer.Problem}): apps cannot find the homeserver from the name.", fix);
        }

        var baseUrl = json.TryGetProperty("m.homeserver", out var hs) && hs.TryGetProperty("base_url", out var b) ? b.GetString() : null;
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var url))
        {
            return Fail($"The client discovery file has no usable m.homeserver.base_url ('{baseUrl}').", fix);
        }

        if (expected is not null && !string.Equals(url.AbsoluteUri.TrimEnd('/'), expected.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"It names {url.AbsoluteUri.TrimEnd('/')}, not this server's client address {expected.AbsoluteUri.TrimEnd('/')}.", "Set the public URL on the Homeserver page; the panel writes the file from it.");
        }

        if (answer.AllowOrigin != "*")
        {
            return Fail($"It names {url.AbsoluteUri.TrimEnd('/')}, but without the CORS header Access-Control-Allow-Origin: * (it had '{answer.AllowOrigin}'), so web apps cannot read it.", "Let the proxy pass the panel's CORS header through, or add Access-Control-Allow-Origin: * for /.well-known/matrix/.");
        }

        var versions = await run.GetJsonAsync(new Uri(url, "_matrix/client/versions"), ct);
        return versions.Json is null
            ? Fail($"It names {url.AbsoluteUri.TrimEnd('/')}, which does not answer /_matrix/client/versions ({versions.Problem}).", "Forward /_matrix/ on that address to Synapse.")
            : Ok($"It names {url.AbsoluteUri.TrimEnd('/')}, with CORS, and that answers the client API.");
    }

    private FederationCheckReport Report(ServerName name, List<FederationCheckStep> steps, int skipFrom, string why)
    {
        for (var n = skipFrom; n <= 6; n++)
        {
            steps.Add(Skip(n, why));
        }

        return new FederationCheckReport(name.Value, time.GetUtcNow(), steps);
    }

    /// <summary>The steps' titles, by number (index 0 unused): one place for the page and the skipped steps.</summary>
    private static readonly string[] Titles = ["", "The server name resolves", "Delegation: /.well-known/matrix/server or an SRV record",
        "TLS for the delegated name", "The federation API answers", "Signed server keys", "Client discovery: /.well-known/matrix/client"];

    private static FederationCheckStep Skip(int number, string why) => new(number, Titles[number], CheckOutcome.Skipped, "Not checked: " + why + ".");

    private static FederationCheckStep Ok(string seen) => new(0, "", CheckOutcome.Passed, seen);

    private static FederationCheckStep Fail(string seen, string fix) => new(0, "", CheckOutcome.Failed, seen, fix);

    /// <summary>Runs one step under its own deadline; a time-out or a network error becomes the step's failure.</summary>
    private async Task<T?> StepAsync<T>(int number, List<FederationCheckStep> steps, Func<CancellationToken, Task<(FederationCheckStep Step, T Value)>> step, CancellationToken cancellationToken)
    {
        var title = Titles[number];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.StepTimeoutSeconds));
        try
        {
            var (result, value) = await step(deadline.Token);
            steps.Add(result with { Number = number, Title = title });
            return value;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            steps.Add(new FederationCheckStep(number, title, CheckOutcome.Failed, $"No answer within {options.StepTimeoutSeconds} s: timed out.", "Check that the host is up and that no firewall drops the traffic."));
        }
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException or JsonException or FormatException)
        {
            steps.Add(new FederationCheckStep(number, title, CheckOutcome.Failed, ProbeRun.Describe(e), "Check that the host is up and answers HTTPS."));
        }

        return default;
    }
}
