using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Federation;

/// <summary>Steps 3 to 5: TLS at the delegated host, the federation API, and the signed keys.</summary>
public sealed partial class FederationProbe
{
    private async Task TransportStepsAsync(ProbeRun run, ServerName name, Target? target, List<FederationCheckStep> steps, CancellationToken cancellationToken)
    {
        target ??= new Target(name.Host, DefaultPort, name.Host, false);
        var tls = await StepAsync(3, steps, async ct =>
        {
            var seen = await TlsAsync(run, target, ct);
            return (seen, seen.Outcome == CheckOutcome.Passed);
        }, cancellationToken);
        if (!tls)
        {
            steps.Add(Skip(4, "needs a trusted TLS connection (step 3)"));
            steps.Add(Skip(5, "needs a trusted TLS connection (step 3)"));
            return;
        }

        // Requests go to the delegated name (its SNI and Host), connected to wherever SRV pointed.
        run.Route(target.CertificateName, target.Port, target.Host);
        var at = $"https://{target.CertificateName}:{target.Port}/";
        var version = await StepAsync(4, steps, async ct =>
        {
            var answer = await run.GetJsonAsync(new Uri(at + "_matrix/federation/v1/version"), ct);
            if (answer.Json is not { } json)
            {
                return (Fail($"{at}_matrix/federation/v1/version: {answer.Problem}.",
                    "Forward /_matrix/ on this port to Synapse (a proxy that only forwards /_matrix/client drops federation)."), false);
            }

            var server = json.TryGetProperty("server", out var s) ? s : default;
            var what = server.ValueKind == System.Text.Json.JsonValueKind.Object
                ? $"{(server.TryGetProperty("name", out var n) ? n.GetString() : "a server")} {(server.TryGetProperty("version", out var v) ? v.GetString() : "")}".Trim()
                : "a server";
            return (Ok($"{what} answers at {at}"), true);
        }, cancellationToken);

        if (!version)
        {
            steps.Add(Skip(5, "needs the federation API (step 4)"));
            return;
        }

        await StepAsync(5, steps, async ct =>
        {
            var answer = await run.GetJsonAsync(new Uri(at + "_matrix/key/v2/server"), ct);
            if (answer.Json is not { } keys)
            {
                return (Fail($"{at}_matrix/key/v2/server: {answer.Problem}.", "Forward /_matrix/key/ to Synapse too."), true);
            }

            return SigningKeys.Problem(keys, name.Value, time.GetUtcNow(), out var summary) is { } problem
                ? (Fail($"The keys do not hold: {problem}.", "Other servers will refuse this server's events. Check that the proxy passes the answer through unchanged and that the signing key file is the server's own."), true)
                : (Ok(summary), true);
        }, cancellationToken);

        // Without delegation the name's own :8448 answering is fine: step 2 was only a warning then.
        var delegation = steps.FindIndex(s => s.Number == 2);
        if (delegation >= 0 && !target.Delegated && steps[delegation].Outcome == CheckOutcome.Failed && steps.All(s => s.Number is not (3 or 4) || s.Outcome == CheckOutcome.Passed))
        {
            steps[delegation] = steps[delegation] with { Outcome = CheckOutcome.Passed, Seen = $"No delegation: other servers use {name.Host}:{DefaultPort}, which answers.", Fix = null };
        }
    }

    private async Task<FederationCheckStep> TlsAsync(ProbeRun run, Target target, CancellationToken ct)
    {
        var addresses = await network.ResolveAsync(target.Host, ct);
        if (addresses.Length == 0)
        {
            return Fail($"{target.Host} (where federation goes) has no address in DNS.", $"Add an A record for {target.Host}, or fix the delegation.");
        }

        using var tcp = new TcpClient(addresses[0].AddressFamily);
        try
        {
            await tcp.ConnectAsync(addresses[0], target.Port, ct);
        }
        catch (SocketException e)
        {
            return Fail($"Cannot connect to {target.Host}:{target.Port} ({addresses[0]}): {e.SocketErrorCode}.",
                $"Open port {target.Port} in the firewall, and make sure the proxy (or Synapse) listens on it.");
        }

        X509Certificate2? certificate = null;
        await using var ssl = new SslStream(tcp.GetStream(), false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.CertificateName,
                // The check keeps the certificate, so that it can say below what is wrong with it.
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    certificate = cert is null ? null : new X509Certificate2(cert);
                    return certificate is not null && certificate.MatchesHostname(target.CertificateName) && run.ChainProblem(certificate) is null;
                },
            }, ct);
        }
        catch (System.Security.Authentication.AuthenticationException) when (certificate is not null)
        {
            // Refused: the certificate says why, below.
        }
        using (certificate)
        {
            if (certificate is null)
            {
                return Fail($"{target.Host}:{target.Port} sent no certificate.", "Configure TLS on the proxy in front of Synapse.");
            }

            var names = CertificateNames(certificate);
            if (!certificate.MatchesHostname(target.CertificateName))
            {
                return Fail($"The certificate at {target.Host}:{target.Port} is for {string.Join(", ", names)}, not {target.CertificateName}.",
                    $"Get a certificate for {target.CertificateName} (the panel's Caddy gets one by itself for a public name).");
            }

            if (run.ChainProblem(certificate) is { } problem)
            {
                return Fail($"The certificate for {target.CertificateName} is not trusted: {problem}.",
                    "Use a certificate from a public CA (Let's Encrypt); other servers do not trust self-signed ones.");
            }

            return Ok($"{target.Host}:{target.Port} has a trusted certificate for {string.Join(", ", names)}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}.");
        }
    }

    private static List<string> CertificateNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san?.EnumerateDnsNames().ToList() ?? [];
        return names.Count > 0 ? names : [certificate.GetNameInfo(X509NameType.DnsName, false)];
    }
}
