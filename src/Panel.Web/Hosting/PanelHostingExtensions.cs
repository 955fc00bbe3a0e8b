using Panel.Infrastructure.Slack;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Docker;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Stripe;
using Panel.Infrastructure.Synapse;
using Panel.Web.Api;
using Panel.Web.Components;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Capacity;
using Panel.Web.Features.History;
using Panel.Web.Features.Storage;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Donations;
using Panel.Web.Features.Health;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Invites;
using Panel.Web.Features.Monitoring;
using Panel.Web.Features.Site;
using Panel.Web.Features.Users;
using Panel.Web.Features.Federation;
using Panel.Web.Features.Moderation;
using Panel.Web.Features.ReverseProxy;

namespace Panel.Web.Hosting;

public static class PanelHostingExtensions
{
    /// <summary>Everything the panel needs, server and CLI alike.</summary>
    public static IServiceCollection AddPanelCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddPanelOptions(configuration);
        services.AddPersistence();
        services.AddPanelSecurity();
        services.AddDocker();
        services.AddSynapse();
        services.AddStripe();
        services.AddSlack();
        services.AddPanelAccounts();
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton<ApiTokenService>();
        return services;
    }

    /// <summary>
    /// The host's options: the content root is where the panel's files are (appsettings.json, wwwroot),
    /// not the working directory. The deployments start the panel in its data directory (systemd's
    /// WorkingDirectory, the image's WORKDIR /data), where the default content root found no settings
    /// and served every script and stylesheet empty: the admin UI never became interactive.
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };

    public static WebApplicationBuilder AddPanel(this WebApplicationBuilder builder)
    {
        // Serve MudBlazor's and the framework's files straight from the build output in any
        // environment, so a built (not published) panel works outside Development too.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddPanelCore(builder.Configuration);
        services.AddPanelHealth();
        services.AddRuntimeDiagnostics();
        services.AddHomeserver(builder.Configuration);
        services.AddUsers();
        services.AddModeration();
        services.AddFederationCheck(builder.Configuration);
        services.AddReverseProxy(builder.Configuration);
        services.AddSingleton<PublicAddressService>();
        services.AddSingleton<FirstRunChecklist>();
        services.AddInvites();
        services.AddMonitoring();
        services.AddCapacity(builder.Configuration);
        services.AddHistory();
        services.AddStorage(builder.Configuration);
        services.AddBridges(builder.Configuration);
        services.AddBackups(builder.Configuration);
        services.AddDonations(builder.Configuration);
        services.AddPanelRateLimits(builder.Configuration);
        services.AddPanelOpenApi();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "panel.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddRazorComponents().AddInteractiveServerComponents(o => o.DetailedErrors = false);
        services.AddMudServices();
        return builder;
    }

    public static WebApplication UsePanel(this WebApplication app)
    {
        app.UseForwardedHeaders();
        // Never the developer exception page: no stack trace reaches a browser, in any environment.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error",
            CreateScopeForErrors = true,
            // A refused request (bad input, a conflict) is not an error of the panel: no stack trace in the log.
            SuppressDiagnosticsCallback = c => c.Exception is Panel.Domain.Common.DomainException && c.ExceptionHandledBy == Microsoft.AspNetCore.Diagnostics.ExceptionHandledType.ExceptionHandlerService,
        });
        app.UseStatusCodePages(StatusCodePages.WriteAsync);
        app.UseSecurityHeaders();
        app.UseMiddleware<SetupGateMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<TwoFactorEnrolmentMiddleware>();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapPanelHealth();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapAuditExport();
        app.MapWellKnown();
        app.MapStripeWebhook();
        app.MapDonationsExport();
        app.MapHistoryUpload();

        var api = app.MapGroup("/api/v1").RequireAuthorization(PanelPolicies.ApiAdmin);
        api.MapCoreApi();
        api.MapHomeserverApi();
        api.MapUsersApi();
        api.MapSiteApi();
        api.MapInvitesApi();
        api.MapMonitoringApi();
        api.MapCapacityApi();
        api.MapHistoryApi();
        api.MapStorageApi();
        api.MapDonationsApi();
        api.MapBridgesApi();
        api.MapBackupsApi();
        api.MapDiagnosticsApi();
        api.MapAnnouncementsApi();
        api.MapFederationApi();
        api.MapReverseProxyApi();
        app.MapModerationApi();
        // Unknown API paths answer 404 problem details (after authentication), not the page fallback.
        api.MapFallback(() => Problems.NotFound("There is no such API endpoint. The list is at /openapi/v1.json.")).ExcludeFromDescription();

        // Pages and the Blazor hub need a panel account of any role (a Moderator's included: the
        // fallback policy would refuse them the circuit); each admin page also asks for Admin itself.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(PanelPolicies.Moderate);
        return app;
    }

    /// <summary>
    /// Checks every options class before anything uses one, so that a configuration error ends startup
    /// with the key's name instead of a stack trace from whichever service read it first.
    /// </summary>
    public static bool ValidateConfiguration(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (OptionsValidationException ex)
        {
            ReportConfigurationErrors(ex);
            return false;
        }
    }

    public static async Task<int> RunPanelAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            ReportConfigurationErrors(ex);
            return 2;
        }
    }

    private static void ReportConfigurationErrors(OptionsValidationException ex)
    {
        Console.Error.WriteLine("The panel cannot start because of its configuration:");
        foreach (var failure in ex.Failures)
        {
            Console.Error.WriteLine("  - " + failure);
        }
    }
}
