using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Donations;

namespace Panel.Infrastructure.Stripe;

public static class StripeExtensions
{
    /// <summary>Stripe behind <see cref="IPaymentGateway"/>.</summary>
    public static IServiceCollection AddStripe(this IServiceCollection services)
    {
        services.AddHttpClient(StripeGateway.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<IPaymentGateway, StripeGateway>();
        return services;
    }
}
