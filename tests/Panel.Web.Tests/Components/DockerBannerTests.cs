using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Containers;
using Panel.Infrastructure.Docker;
using Panel.Web.Components.Shared;
using Panel.Web.Features.Health;

namespace Panel.Web.Tests.Components;

public sealed class DockerBannerTests : MudTestContext
{
    /// <summary>A fake engine probe (the real one needs a running dockerd; these tests are about the banner).</summary>
    private sealed class FakeProbe : IDockerEngineProbe
    {
        public EngineStatus Next { get; set; } = new(true, "20.10", "1.41", "ok", DateTimeOffset.UtcNow);

        public Task<EngineStatus> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(Next);
    }

    private readonly FakeProbe _probe = new();

    public DockerBannerTests()
    {
        Services.AddSingleton<IDockerEngineProbe>(_probe);
        Services.AddSingleton<DockerStatusMonitor>();
    }

    [Fact]
    public async Task Banner_is_hidden_while_Docker_answers()
    {
        await Services.GetRequiredService<DockerStatusMonitor>().RefreshAsync(CancellationToken.None);

        var banner = Render<DockerBanner>();

        banner.FindAll("[data-testid=docker-banner]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Banner_appears_when_Docker_goes_away_and_leaves_when_it_is_back()
    {
        var monitor = Services.GetRequiredService<DockerStatusMonitor>();
        await monitor.RefreshAsync(CancellationToken.None);
        var banner = Render<DockerBanner>();

        _probe.Next = new EngineStatus(false, null, null, "Cannot reach the Docker Engine at unix:///var/run/docker.sock.", DateTimeOffset.UtcNow);
        await monitor.RefreshAsync(CancellationToken.None);

        banner.WaitForAssertion(() => banner.Find("[data-testid=docker-banner]").TextContent.ShouldContain("unix:///var/run/docker.sock"));

        _probe.Next = new EngineStatus(true, "20.10", "1.41", "ok", DateTimeOffset.UtcNow);
        await monitor.RefreshAsync(CancellationToken.None);

        banner.WaitForAssertion(() => banner.FindAll("[data-testid=docker-banner]").ShouldBeEmpty());
    }
}
