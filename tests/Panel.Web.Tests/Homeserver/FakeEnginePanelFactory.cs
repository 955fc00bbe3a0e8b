using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Testing;
using Panel.Testing.Fakes;
using Panel.Web.Features.Homeserver;
using Panel.Web.Tests.Host;

namespace Panel.Web.Tests.Homeserver;

/// <summary>The real panel host in memory, on the FAKE engine and the FAKE homeserver admin API.</summary>
public sealed class FakeEnginePanelFactory : PanelWebFactory
{
    public const string SynapseImage = "example.test/synapse:fake";

    public FakeContainerRuntime Engine { get; } = new FakeContainerRuntime()
        .WithImage(SynapseImage, entrypoint: ["/start.sh"])
        .WithImage("example.test/postgres:fake", entrypoint: ["/docker-entrypoint.sh"], command: ["postgres"]);

    public FakeHomeserverAdminFactory Admins { get; } = new();

    /// <summary>The panel's clock; a <c>FakeTimeProvider</c> when a test moves time on.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Configuration for this panel only (keys as in appsettings, like Panel:Homeserver:MemoryWarmUp).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Panel:Homeserver:HealthTimeoutSeconds", "10");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IContainerRuntime>();
            services.AddSingleton<IContainerRuntime>(Engine);
            services.RemoveAll<IHomeserverAdminFactory>();
            services.AddSingleton<IHomeserverAdminFactory>(Admins);
            services.RemoveAll<TimeProvider>();
            services.AddSingleton(Clock);
        });
    }

    /// <summary>Signs in the owner (a token), installs a homeserver on the fake engine and waits until it is installed.</summary>
    public async Task<PanelApi> InstallAsync(string serverName, string database = "postgres")
    {
        var api = new PanelApi(CreateApiClient(await CreateTokenAsync((await EnsureOwnerAsync()).Id)));
        await api.PostAsync("/api/v1/homeserver/install", new InstallRequest
        {
            ServerName = serverName,
            Database = database,
            Image = SynapseImage,
            DatabaseImage = "example.test/postgres:fake",
        }, HttpStatusCode.Accepted);
        var installed = await Eventually.UntilAsync(api.HomeserverAsync, v => v.Operation is { FinishedAt: not null }, TimeSpan.FromSeconds(30), "The install", TimeSpan.FromMilliseconds(50));
        installed.Phase.ShouldBe("installed", installed.ToString());
        return api;
    }

    public HomeserverNames Names => Services.GetRequiredService<HomeserverNames>();
}
