using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.Federation;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Caddy;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.ReverseProxy;

/// <summary>What the owner asks for; a blank key keeps the stored one (the page never shows it back).</summary>
public sealed record ProxyRequest(string? Certificate, string? AcmeEmail, string? CertificatePem, string? KeyPem, bool? ServeWellKnown);

/// <summary>The proxy as the Homeserver page shows it. The key is never part of it.</summary>
public sealed record ProxyView(
    bool Available,
    string? Unavailable,
    bool Enabled,
    string Certificate,
    string? AcmeEmail,
    IReadOnlyList<string> CertificateNames,
    DateTimeOffset? CertificateExpires,
    bool ServeWellKnown,
    IReadOnlyList<string> Hosts,
    string? ContainerState,
    string Ports);

/// <summary>
/// The reverse proxy the panel can run (ADR-015): settings kept in the database, applied as an
/// operation (image, files, start, serving), audited. Only in front of a Synapse the panel runs.
/// </summary>
public sealed class ReverseProxyService(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess homeserver,
    HomeserverOperations operations,
    ReverseProxyContainer container,
    Microsoft.Extensions.Options.IOptions<ReverseProxyOptions> options,
    Panel.Domain.Containers.IContainerRuntime docker,
    HomeserverNames names,
    ISecretProtector secrets,
    TimeProvider clock)
{
    public async Task<ProxyView> GetAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var s = await db.ReverseProxy.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? ReverseProxySettings.Default();
        var (certificateNames, expires) = Describe(s.CertificatePem);
        var state = (await docker.InspectAsync(names.Proxy, cancellationToken))?.State;
        var o = options.Value;
        return new ProxyView(Unavailable(d) is null, Unavailable(d), s.Enabled, s.Certificate.ToString(), s.AcmeEmail, certificateNames, expires, s.ServeWellKnown,
            d is null ? [] : Hosts(d), state, $"{o.BindAddress}:{o.HttpsPort} (HTTPS)" + (o.HttpPort > 0 ? $", {o.BindAddress}:{o.HttpPort} (HTTP)" : ""));
    }

    /// <summary>Stores the settings and starts the operation that applies them; refuses a certificate that does not fit before anything changes.</summary>
    public async Task<Task> ApplyAsync(ProxyRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        if (Unavailable(d) is { } why)
        {
            throw new DomainException(why);
        }

        var hosts = Hosts(d!);
        var mode = Enum.TryParse<ProxyCertificate>(request.Certificate, true, out var m) && Enum.IsDefined(m) ? m
            : throw new DomainException("Say where the certificate comes from: 'automatic' (Let's Encrypt) or 'provided'.");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.ReverseProxy.SingleOrAddAsync(ReverseProxySettings.Default, cancellationToken);
        var key = string.IsNullOrWhiteSpace(request.KeyPem) ? null : request.KeyPem.Trim() + "\n";
        if (mode == ProxyCertificate.Provided)
        {
            var certificate = request.CertificatePem ?? settings.CertificatePem ?? "";
            var keyPem = key ?? (settings.KeyPemProtected is { } k ? secrets.Unprotect(k) : "");
            if (ProvidedCertificates.Problem(certificate, keyPem, hosts, clock.GetUtcNow()) is { } problem)
            {
                throw new DomainException(problem);
            }

            settings.Configure(mode, null, certificate, key is null ? null : secrets.Protect(key), request.ServeWellKnown ?? true);
        }
        else
        {
            if (hosts.FirstOrDefault(h => !PublicName(h)) is { } local)
            {
                throw new DomainException($"A certificate authority cannot reach {local}: automatic certificates need a public domain that points here. Provide a certificate for it instead.");
            }

            settings.Configure(mode, request.AcmeEmail, null, null, request.ServeWellKnown ?? true);
        }

        // Refused before anything is stored: settings saved for an operation that never ran would show as applied.
        if (operations.IsBusy)
        {
            throw new ConflictException($"Another homeserver operation is running ({operations.Current?.Kind}). Wait for it to finish.");
        }

        await db.SaveChangesAsync(cancellationToken);
        var files = Files(d!, settings);
        return operations.Start("proxy", [("image", "Check Caddy's image"), ("files", "Write the Caddyfile and certificate"), ("serving", "Start Caddy and wait until it serves HTTPS")], async (progress, ct) =>
        {
            progress.Start("image", options.Value.Image);
            await container.CheckImageAsync(progress, "image", ct);
            progress.Done("image");
            progress.Start("files");
            var created = await container.EnsureAsync(ct);
            await container.WriteFilesAsync(files, ct);
            progress.Done("files", (created ? "New container; " : "") + "serving " + string.Join(" and ", hosts) + (settings.ServeWellKnown ? ", with the discovery files" : ", without the discovery files"));
            progress.Start("serving");
            progress.Done("serving", "Caddy serves " + await container.StartAndWaitAsync(files, ct) + ".");
        }, audit: new OperationAudit(actor, "proxy.configured", "proxy", $"{mode.ToString().ToLowerInvariant()} certificate for {string.Join(", ", hosts)}" + (settings.ServeWellKnown ? "" : ", no discovery files")));
    }

    /// <summary>Stops running the proxy: its container goes (its ACME data is kept), and Synapse is reachable only as before.</summary>
    public async Task<Task> DisableAsync(AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.ReverseProxy.SingleOrDefaultAsync(cancellationToken);
        if (settings is not { Enabled: true })
        {
            throw new DomainException("The panel does not run a proxy.");
        }

        if (await homeserver.GetDeploymentAsync(cancellationToken) is { } d && !d.Workers.IsMonolith)
        {
            throw new DomainException($"Synapse runs as {d.Workers}, and only the proxy sends requests to its workers. Go back to one process first (Processes).");
        }

        settings.Disable();
        await db.SaveChangesAsync(cancellationToken);
        return operations.Start("proxy", [("remove", "Remove Caddy's container")], async (progress, ct) =>
        {
            progress.Start("remove");
            await docker.RemoveAsync(names.Proxy, ct);
            progress.Done("remove", "Other servers and clients now need another way to reach Synapse.");
        }, audit: new OperationAudit(actor, "proxy.removed", "proxy"));
    }

    /// <summary>The Caddyfile and certificate for the current settings and the homeserver as it is (its hosts, its workers).</summary>
    public ProxyFiles Files(HomeserverDeployment d, ReverseProxySettings settings)
    {
        var hosts = Hosts(d);
        var caddyfile = CaddyConfig.Generate(new CaddyConfigInput
        {
            ServerHost = hosts[0],
            PublicHost = hosts[^1],
            // By its container's name, which is unique on the engine: the "synapse" alias would be
            // ambiguous if the proxy joins another network that has a Synapse too.
            SynapseUpstream = $"{names.Synapse}:{Panel.Infrastructure.Synapse.SynapseConfig.ClientPort}",
            ProvidedCertificate = settings.Certificate == ProxyCertificate.Provided,
            AcmeEmail = settings.AcmeEmail,
            WellKnown = settings.ServeWellKnown ? (MatrixDiscovery.ServerJson(d.PublicBaseUrl), MatrixDiscovery.ClientJson(d.PublicBaseUrl)) : null,
            WorkerRoutes = WorkerRoutes(d.Workers),
        });
        return new ProxyFiles(caddyfile, settings.CertificatePem, settings.KeyPemProtected is { } k ? secrets.Unprotect(k) : null, hosts[^1]);
    }

    /// <summary>Rewrites the proxy's files for the homeserver as it is now (its workers changed) and restarts it; false when the panel runs none.</summary>
    public async Task<bool> RefreshAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.ReverseProxy.AsNoTracking().SingleOrDefaultAsync(cancellationToken) is not { Enabled: true } settings)
        {
            return false;
        }

        var files = Files(d, settings);
        await container.EnsureAsync(cancellationToken);
        await container.WriteFilesAsync(files, cancellationToken);
        await container.StartAndWaitAsync(files, cancellationToken);
        return true;
    }

    /// <summary>
    /// The proxy made again, with its files, when its container was removed behind the panel's back (the
    /// reconciler's pass, while the homeserver should run). A proxy that was stopped stays stopped, as
    /// Docker's "unless-stopped" leaves it: someone stopped it on purpose, and the federation self-check
    /// names it. Nothing when the panel runs no proxy.
    /// </summary>
    public async Task RestoreAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        if (await docker.InspectAsync(names.Proxy, cancellationToken) is null && await IsEnabledAsync(cancellationToken))
        {
            await RefreshAsync(d, cancellationToken);
        }
    }

    public async Task<bool> IsEnabledAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ReverseProxy.AnyAsync(s => s.Enabled, cancellationToken);
    }

    /// <summary>Each worker route with the workers that serve it, by container name and port.</summary>
    private List<(Panel.Infrastructure.Synapse.WorkerRoute, IReadOnlyList<string>)> WorkerRoutes(WorkerLayout layout)
    {
        var upstreams = layout.Workers().Where(w => w.Port > 0).ToLookup(w => w.Kind, w => $"{names.Worker(w)}:{w.Port}");
        return Panel.Infrastructure.Synapse.SynapseWorkerRoutes.For(layout).Select(r => (r, (IReadOnlyList<string>)upstreams[r.Kind].ToList())).ToList();
    }

    private static string? Unavailable(HomeserverDeployment? d) => d switch
    {
        null or { Phase: InstallPhase.Uninstalled } => "Install the homeserver first: the proxy sits in front of it.",
        { Mode: HomeserverMode.Attached } => "This homeserver was attached, not installed by the panel: keep the proxy that already serves it.",
        _ => null,
    };

    /// <summary>The server name's host first, then the public base URL's host when it is another.</summary>
    private static List<string> Hosts(HomeserverDeployment d)
    {
        var server = d.ServerName.Split(':')[0];
        var publicHost = new Uri(d.PublicBaseUrl).Host;
        return string.Equals(server, publicHost, StringComparison.OrdinalIgnoreCase) ? [server] : [server, publicHost];
    }

    private static bool PublicName(string host) =>
        host.Contains('.', StringComparison.Ordinal) && !System.Net.IPAddress.TryParse(host, out _)
        && !PrivateSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>Names no public certificate authority issues for (RFC 6761 and the usual home-network ones).</summary>
    private static readonly string[] PrivateSuffixes = [".local", ".localhost", ".test", ".example", ".invalid", ".internal", ".lan", ".home.arpa"];

    private static (IReadOnlyList<string> Names, DateTimeOffset? Expires) Describe(string? pem)
    {
        if (pem is null)
        {
            return ([], null);
        }

        try
        {
            using var c = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pem);
            return (ProvidedCertificates.Names(c), c.NotAfter.ToUniversalTime());
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return ([], null);
        }
    }
}
