namespace Panel.Web.Hosting;

/// <summary>
/// Standard security headers and a Content Security Policy. MudBlazor sets inline styles, so styles
/// allow 'unsafe-inline'; scripts come only from the panel itself, plus the one inline script Blazor
/// needs, its import map, which carries this response's nonce (<see cref="Nonce"/>).
/// </summary>
internal static class SecurityHeaders
{
    private static readonly object NonceKey = new();

    /// <summary>This response's CSP nonce, for the inline import map (App.razor).</summary>
    public static string Nonce(HttpContext context) => context.Items[NonceKey] as string ?? "";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        // The donate form redirects to Stripe Checkout: the only place besides the panel a form may go.
        var stripe = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Features.Donations.DonationOptions>>().Value.Stripe.ApiBase;
        var checkout = "https://checkout.stripe.com" + (Uri.TryCreate(stripe, UriKind.Absolute, out var custom) ? " " + custom.GetLeftPart(UriPartial.Authority) : "");
        var rest =
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; " +
            $"form-action 'self' {checkout}; object-src 'none'";
        return app.Use(async (context, next) =>
        {
            // A nonce, not a hash: the import map lists fingerprinted asset names, which change with
            // every build, and a nonce needs no knowledge of what the page renders.
            var nonce = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
            var csp = $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; {rest}";
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["X-Content-Type-Options"] = "nosniff";
                headers["X-Frame-Options"] = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                // Replaces Blazor's own frame-ancestors-only policy with the full one.
                headers.ContentSecurityPolicy = csp;

                return Task.CompletedTask;
            });
            await next(context);
        });
    }
}
