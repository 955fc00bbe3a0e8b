using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Panel.Domain.Federation;

namespace Panel.Infrastructure.Federation;

public sealed class FederationProbeOptions
{
    public const string Section = "Panel:Federation";

    /// <summary>A PEM file of CA certificates to trust besides the system's (a private CA; the tests' CA).</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Each step's deadline: a name that does not answer is reported as a time-out, not a hang.</summary>
    public int StepTimeoutSeconds { get; set; } = 10;
}

/// <summary>A CA file that cannot be read stops startup, not the first check.</summary>
internal sealed class FederationProbeOptionsValidator : IValidateOptions<FederationProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, FederationProbeOptions options)
    {
        if (options.StepTimeoutSeconds is < 1 or > 120)
        {
            return ValidateOptionsResult.Fail($"{FederationProbeOptions.Section}:StepTimeoutSeconds must be between 1 and 120.");
        }

        if (options.TrustedCaFile is { Length: > 0 } file)
        {
            try
            {
                var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                certificates.ImportFromPemFile(file);
                if (certificates.Count == 0)
                {
                    return ValidateOptionsResult.Fail($"{FederationProbeOptions.Section}:TrustedCaFile '{file}' holds no PEM certificate.");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                return ValidateOptionsResult.Fail($"{FederationProbeOptions.Section}:TrustedCaFile '{file}' cannot be read: {e.Message}");
            }
        }

        return ValidateOptionsResult.Success;
    }
}

public static class FederationExtensions
{
    /// <summary>The federation self-check (Panel:Federation).</summary>
    public static IServiceCollection AddFederationProbe(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FederationProbeOptions>().Bind(configuration.GetSection(FederationProbeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FederationProbeOptions>, FederationProbeOptionsValidator>();
        services.AddSingleton<FederationNetwork>();
        services.AddSingleton<IFederationProbe>(sp => new FederationProbe(sp.GetRequiredService<IOptions<FederationProbeOptions>>().Value, sp.GetRequiredService<FederationNetwork>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
