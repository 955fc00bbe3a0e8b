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
    /// <summary>Data Protection with its keys in <c>Panel:DataDirectory/keys</c>, and the secret protector on top.</summary>
    public static IServiceCollection AddPanelSecurity(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("homeserver-panel");
        // The key directory comes from validated options, so it is set when options are first read,
        // not while services are being registered.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<PanelOptions>, ILoggerFactory>((keys, panel, loggers) =>
            {
                var dir = Directory.CreateDirectory(Path.Combine(panel.Value.DataDirectoryFullPath, "keys"));
                keys.XmlRepository = new FileSystemXmlRepository(dir, loggers);
            });
        services.AddSingleton<ISecretProtector, SecretProtector>();
        return services;
    }
}
