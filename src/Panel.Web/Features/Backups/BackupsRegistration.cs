using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Backups;

/// <summary>The backups feature's services, options and background workers.</summary>
public static class BackupsRegistration
{
    public static IServiceCollection AddBackups(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BackupOptions>().Bind(configuration.GetSection(BackupOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>());
        services.AddSingleton<BackupLocation>();
        services.AddSingleton<BackupWriter>();
        services.AddSingleton<RestoredRecords>();
        services.AddSingleton<RestoreStaging>();
        services.AddSingleton<BackupRestorer>();
        services.AddSingleton<AfterBackup>();
        services.AddSingleton<BackupsService>();
        services.AddHostedService<BackupScheduler>();
        return services;
    }
}
