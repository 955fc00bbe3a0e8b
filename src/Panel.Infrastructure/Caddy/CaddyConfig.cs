using System.Text;

namespace Panel.Infrastructure.Caddy;

/// <summary>What the Caddyfile serves: the hosts, where Synapse is, and where TLS comes from.</summary>
public sealed record CaddyConfigInput
{
    /// <summary>The host of the server name (@alice:<i>this</i>), where the discovery files live.</summary>
    public required string ServerHost { get; init; }

    /// <summary>The host of the public base URL, where clients and other servers talk to Synapse.</summary>
    public required string PublicHost { get; init; }

    /// <summary>Synapse as the proxy reaches it on the homeserver's network.</summary>
    public required string SynapseUpstream { get; init; }

    /// <summary>True: the certificate files the panel writes; false: ACME.</summary>
    public bool ProvidedCertificate { get; init; }

    public string? AcmeEmail { get; init; }

    /// <summary>The bodies of /.well-known/matrix/server and /client; null: not served.</summary>
    public (string Server, string Client)? WellKnown { get; init; }

    /// <summary>With workers: which paths go to which workers, tried in order before the main process.</summary>
    public IReadOnlyList<(Synapse.WorkerRoute Route, IReadOnlyList<string> Upstreams)> WorkerRoutes { get; init; } = [];
}

/// <summary>Writes the Caddyfile of the proxy the panel runs. The panel owns the file and writes all of it each time.</summary>
public static class CaddyConfig
{
    public const string ConfigDirectory = "/etc/caddy";
    public const string ConfigFile = "Caddyfile";
    public const string CertificateFile = "certs/proxy.crt";
    public const string KeyFile = "certs/proxy.key";
    public const int HttpsPort = 443;
    public const int HttpPort = 80;

    public static string Generate(CaddyConfigInput input)
    {
        var text = new StringBuilder();
        text.Append("# Written by Homeserver Panel; changes here are overwritten.\n{\n");
        // The panel applies changes by rewriting this file and restarting: no admin endpoint is needed.
        text.Append("\tadmin off\n");
        if (input.ProvidedCertificate)
        {
            text.Append("\tauto_https disable_certs\n");
        }
        else if (input.AcmeEmail is { } email)
        {
            text.Append("\temail ").Append(Quote(email)).Append('\n');
        }

        text.Append("}\n");
        var hosts = input.ServerHost.Equals(input.PublicHost, StringComparison.OrdinalIgnoreCase)
            ? [input.ServerHost]
            : new[] { input.ServerHost, input.PublicHost };
        foreach (var host in hosts)
        {
            text.Append('\n').Append(host).Append(" {\n");
            if (input.ProvidedCertificate)
            {
                text.Append($"\ttls {ConfigDirectory}/{CertificateFile} {ConfigDirectory}/{KeyFile}\n");
            }

            if (input.WellKnown is { } files && host.Equals(input.ServerHost, StringComparison.OrdinalIgnoreCase))
            {
                AppendDiscovery(text, "server", files.Server);
                AppendDiscovery(text, "client", files.Client);
            }

            if (host.Equals(input.PublicHost, StringComparison.OrdinalIgnoreCase))
            {
                AppendSynapse(text, input);
            }

            text.Append("\thandle {\n\t\trespond \"Not found\" 404\n\t}\n}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The paths Synapse serves to clients and other servers; nothing else reaches it. With workers,
    /// a <c>route</c> tries the workers' paths in the order given (a route keeps its order, where
    /// Caddy would sort handles), and the main process takes the rest.
    /// </summary>
    private static void AppendSynapse(StringBuilder text, CaddyConfigInput input)
    {
        if (input.WorkerRoutes.Count == 0)
        {
            foreach (var path in new[] { "/_matrix/*", "/_synapse/client/*" })
            {
                text.Append("\thandle ").Append(path).Append(" {\n\t\treverse_proxy ").Append(input.SynapseUpstream).Append("\n\t}\n");
            }

            return;
        }

        text.Append("\t@synapse path /_matrix/* /_synapse/client/*\n");
        foreach (var (route, _) in input.WorkerRoutes)
        {
            text.Append("\t@").Append(route.Name).Append(" {\n");
            if (route.Methods is { } methods)
            {
                text.Append("\t\tmethod ").Append(string.Join(' ', methods)).Append('\n');
            }

            text.Append("\t\tpath_regexp ").Append(route.Name).Append(' ').Append(Quote(route.Regex)).Append("\n\t}\n");
        }

        text.Append("\thandle @synapse {\n\t\troute {\n");
        foreach (var (route, upstreams) in input.WorkerRoutes)
        {
            // A worker being replaced (a restart, a Swarm task rolled over or back) has no address for a few
            // seconds: Caddy retries the dial for that long instead of answering 502.
            text.Append("\t\t\treverse_proxy @").Append(route.Name).Append(' ').Append(string.Join(' ', upstreams))
                .Append(" {\n\t\t\t\tlb_policy ").Append(route.Balance)
                .Append("\n\t\t\t\tlb_try_duration 10s\n\t\t\t\tlb_try_interval 250ms\n\t\t\t}\n");
        }

        text.Append("\t\t\treverse_proxy ").Append(input.SynapseUpstream).Append("\n\t\t}\n\t}\n");
    }

    private static void AppendDiscovery(StringBuilder text, string kind, string json)
    {
        text.Append("\thandle /.well-known/matrix/").Append(kind).Append(" {\n")
            .Append("\t\theader Content-Type application/json\n")
            // Web clients read the client file from another origin.
            .Append("\t\theader Access-Control-Allow-Origin *\n")
            .Append("\t\trespond `").Append(json).Append("` 200\n\t}\n");
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
