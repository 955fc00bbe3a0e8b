using System.Threading.RateLimiting;
using Panel.Web.Api;
using Panel.Web.Features.Audit;

namespace Panel.Web.Hosting;

/// <summary>Per-client-address limits on the endpoints that strangers can reach.</summary>
public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string PublicForm = "public-form";
    public const string Webhook = "webhook";

    public static IServiceCollection AddPanelRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        // Tests turn the limits up with Panel:RateLimits:Scale; a real deployment keeps 1.
        var scale = Math.Max(1, configuration.GetValue("Panel:RateLimits:Scale", 1));
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignIn, ctx => PerAddress(ctx, 20 * scale, TimeSpan.FromMinutes(1)));
            o.AddPolicy(PublicForm, ctx => PerAddress(ctx, 30 * scale, TimeSpan.FromMinutes(1)));
            o.AddPolicy(Webhook, ctx => PerAddress(ctx, 600 * scale, TimeSpan.FromMinutes(1)));
            o.OnRejected = async (ctx, ct) =>
            {
                if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                {
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)retry.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Problems.WriteAsync(ctx.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    "Too many attempts from your address. Wait a minute and try again.");
            };
        });
        return services;
    }

    private static RateLimitPartition<string> PerAddress(HttpContext context, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(ActorContext.ClientAddress(context) ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 });
}
