using System.Net;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.ReverseProxy;

/// <summary>The <c>Panel:ReverseProxy</c> section: the Caddy the panel runs in front of Synapse, when the owner turns it on.</summary>
public sealed class ReverseProxyOptions
{
    public const string Section = "Panel:ReverseProxy";

    /// <summary>Caddy's image; <c>deploy/images/build-from-debian.sh caddy</c> builds this one from Debian's package.</summary>
    public string Image { get; set; } = "homeserver-panel/caddy:latest";

    /// <summary>The host address the proxy's ports are published on (all of them by default: it faces the internet).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>The host port for HTTPS: clients, federation and the discovery files.</summary>
    public int HttpsPort { get; set; } = 443;

    /// <summary>The host port for HTTP (ACME's HTTP challenge and redirects to HTTPS); 0 publishes none.</summary>
    public int HttpPort { get; set; } = 80;
}

internal sealed class ReverseProxyOptionsValidator : IValidateOptions<ReverseProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ReverseProxyOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Image))
        {
            errors.Add($"{ReverseProxyOptions.Section}:Image must name Caddy's image.");
        }

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            errors.Add($"{ReverseProxyOptions.Section}:BindAddress '{options.BindAddress}' is not an IP address (0.0.0.0 for all).");
        }

        if (options.HttpsPort is < 1 or > 65535)
        {
            errors.Add($"{ReverseProxyOptions.Section}:HttpsPort must be a port (1-65535).");
        }

        if (options.HttpPort is < 0 or > 65535 || (options.HttpPort != 0 && options.HttpPort == options.HttpsPort))
        {
            errors.Add($"{ReverseProxyOptions.Section}:HttpPort must be a port other than HttpsPort, or 0 for none.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
