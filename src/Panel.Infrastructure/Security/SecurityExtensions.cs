using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;

namespace Panel.Infrastructure.Security;

public static class SecurityExtensions
{
    /// <summary>The directory of Data Protection's keys (which a backup copies, and a restore on another machine reads).</summary>
    public static string KeysDirectory(PanelOptions panel) => Path.Combine(panel.DataDirectoryFullPath, "keys");

    /// <summary>Data Protection with its keys in <c>Panel:DataDirectory/keys</c>, and the secret protector on top.</summary>
    public static IServiceCollection AddPanelSecurity(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(SecretProtector.ApplicationName);
        // The key directory comes from validated options, so it is set when options are first read,
        // not while services are being registered.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<PanelOptions>, ILoggerFactory>((keys, panel, loggers) =>
            {
                var dir = Directory.CreateDirectory(KeysDirectory(panel.Value));
                keys.XmlRepository = new FileSystemXmlRepository(dir, loggers);
            });
        services.AddSingleton<ISecretProtector, SecretProtector>();
        return services;
    }
}
