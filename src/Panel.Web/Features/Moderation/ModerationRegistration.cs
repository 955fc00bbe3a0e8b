namespace Panel.Web.Features.Moderation;

/// <summary>The moderation feature's services: the actions, and the watcher that tells the owner about new reports.</summary>
public static class ModerationRegistration
{
    public static IServiceCollection AddModeration(this IServiceCollection services)
    {
        services.AddSingleton<ModerationService>();
        services.AddSingleton<HouseRulesService>();
        services.AddSingleton<ReportWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ReportWatcher>());
        services.AddSingleton<AnnouncementService>();
        services.AddHostedService(sp => sp.GetRequiredService<AnnouncementService>());
        return services;
    }
}
