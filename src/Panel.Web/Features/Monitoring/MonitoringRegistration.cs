
namespace Panel.Web.Features.Monitoring;

/// <summary>The monitoring feature's services, options and background workers.</summary>
public static class MonitoringRegistration
{
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<MetricsStore>();
        services.AddSingleton<HostFiguresReader>();
        services.AddSingleton<HomeserverFiguresCollector>();
        services.AddSingleton<MonitoringService>();
        services.AddSingleton<RoomsService>();
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        services.AddSingleton<MemoryWindows>();
        services.AddSingleton<ActivitySampler>();
        services.AddHostedService(sp => sp.GetRequiredService<ActivitySampler>());
        services.AddSingleton<TimelineRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<TimelineRecorder>());
        services.AddSingleton<AlertService>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertService>());
        return services;
    }
}
