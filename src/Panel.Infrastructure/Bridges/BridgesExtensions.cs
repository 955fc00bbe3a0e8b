using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Panel.Infrastructure.Bridges;

public sealed class BridgeOptions
{
    public const string Section = "Panel:Bridges";

    /// <summary>A directory of extra catalog entries (*.yaml), for bridges the built-in catalog lacks.</summary>
    public string? CatalogDirectory { get; set; }

    /// <summary>How long a bridge may take, after it starts, to answer the homeserver's ping.</summary>
    public int ReadyTimeoutSeconds { get; set; } = 180;
}

/// <summary>A broken extra catalog entry stops startup with its file and reason, not at the first install.</summary>
internal sealed class BridgeOptionsValidator : IValidateOptions<BridgeOptions>
{
    public ValidateOptionsResult Validate(string? name, BridgeOptions options)
    {
        if (options.ReadyTimeoutSeconds is < 5 or > 3600)
        {
            return ValidateOptionsResult.Fail($"{BridgeOptions.Section}:ReadyTimeoutSeconds must be between 5 and 3600.");
        }

        // The built-in catalog is checked by its tests; reading it here only loaded YamlDotNet at every
        // start, also where no bridge is ever installed (issue 25).
        if (string.IsNullOrWhiteSpace(options.CatalogDirectory))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            BridgeCatalog.Load(options.CatalogDirectory);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail($"{BridgeOptions.Section}:CatalogDirectory: {e.Message}");
        }
    }
}

public static class BridgesExtensions
{
    /// <summary>The bridge catalog (built in, plus Panel:Bridges:CatalogDirectory).</summary>
    public static IServiceCollection AddBridgeCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BridgeOptions>().Bind(configuration.GetSection(BridgeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BridgeOptions>, BridgeOptionsValidator>();
        services.AddSingleton(sp => BridgeCatalog.OnFirstUse(sp.GetRequiredService<IOptions<BridgeOptions>>().Value.CatalogDirectory));
        return services;
    }
}
