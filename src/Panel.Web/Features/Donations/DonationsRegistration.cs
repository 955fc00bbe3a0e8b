using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Donations;

/// <summary>The donations feature's services, options and background workers.</summary>
public static class DonationsRegistration
{
    public static IServiceCollection AddDonations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DonationOptions>().Bind(configuration.GetSection(DonationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DonationOptions>, DonationOptionsValidator>();
        services.AddSingleton<DonationsService>();
        return services;
    }
}
