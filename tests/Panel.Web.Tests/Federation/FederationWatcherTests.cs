using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;
using Panel.Domain.Federation;
using Panel.Web.Features.Federation;
using Panel.Web.Features.Monitoring;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Federation;

/// <summary>The destination alert on the FAKE homeserver: only a server down a day that shares rooms is worth waking the owner for.</summary>
public sealed class FederationWatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_that_shares_rooms_and_has_failed_for_a_day_raises_an_alert_that_clears_when_it_recovers()
    {
        using var factory = new FakeEnginePanelFactory();
        await factory.InstallAsync("fedwatch.example.test", "sqlite");
        var watcher = factory.Services.GetRequiredService<FederationWatcher>();
        var alerts = factory.Services.GetRequiredService<AlertService>();
        var now = DateTimeOffset.UtcNow;
        var friends = new Destination("friends.example", now.AddDays(-2), now.AddMinutes(-10), TimeSpan.FromHours(1));
        factory.Admins.Destinations[friends] = 3;
        factory.Admins.Destinations[new Destination("lonely.example", now.AddDays(-3), now, TimeSpan.FromHours(1))] = 0;
        factory.Admins.Destinations[new Destination("blip.example", now.AddHours(-2), now, TimeSpan.FromMinutes(10))] = 5;
        factory.Admins.Destinations[new Destination("fine.example", null, null, TimeSpan.Zero)] = 7;

        await watcher.WatchDestinationsAsync(Ct);

        var alert = alerts.Active.Where(a => a.Key.StartsWith("federation:", StringComparison.Ordinal)).ShouldHaveSingleItem();
        alert.Key.ShouldBe(FederationWatcher.AlertKey("friends.example"));
        alert.Message.ShouldContain("3 room(s) are shared with it");

        // It recovers: Synapse clears its failure, and the alert goes at the next look.
        factory.Admins.Destinations.Remove(friends);
        factory.Admins.Destinations[friends with { FailingSince = null, RetryInterval = TimeSpan.Zero }] = 3;
        await watcher.WatchDestinationsAsync(Ct);
        alerts.Active.ShouldNotContain(a => a.Key.StartsWith("federation:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restarted_panel_remembers_that_federation_worked_and_alerts_when_the_next_self_check_fails()
    {
        using var factory = new FakeEnginePanelFactory();
        await factory.InstallAsync("selfcheck.example.test", "sqlite");
        var homeserver = factory.Services.GetRequiredService<HomeserverService>();
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>();
        var alerts = factory.Services.GetRequiredService<AlertService>();
        var passing = new FederationCheckService(new FixedProbe(CheckOutcome.Passed), homeserver, contexts);
        (await passing.CheckAsync(null, Ct)).Passed.ShouldBeTrue();

        // The panel restarts (a new service, nothing in memory), and federation broke meanwhile.
        var afterRestart = new FederationCheckService(new FixedProbe(CheckOutcome.Failed), homeserver, contexts);
        var kept = (await afterRestart.LastAsync(Ct)).ShouldNotBeNull();
        kept.Passed.ShouldBeTrue();
        kept.ServerName.ShouldBe("selfcheck.example.test");
        var watcher = new FederationWatcher(factory.Services.GetRequiredService<HomeserverAccess>(), afterRestart, alerts, TimeProvider.System, NullLogger<FederationWatcher>.Instance);

        await watcher.SelfCheckAsync(Ct);

        alerts.Active.ShouldContain(a => a.Key == FederationWatcher.SelfCheckAlert && a.Message.Contains("step 2", StringComparison.Ordinal));
        (await afterRestart.LastAsync(Ct)).ShouldNotBeNull().Passed.ShouldBeFalse();
    }

    /// <summary>A FAKE probe: every check ends with <paramref name="second"/> at step 2 (DNS and HTTPS cannot be staged here).</summary>
    private sealed class FixedProbe(CheckOutcome second) : IFederationProbe
    {
        public Task<FederationCheckReport> CheckAsync(string serverName, Uri? clientBaseUrl, CancellationToken cancellationToken) =>
            Task.FromResult(new FederationCheckReport(serverName, DateTimeOffset.UtcNow,
            [
                new FederationCheckStep(1, "Server name", CheckOutcome.Passed, "resolves"),
                new FederationCheckStep(2, "Delegation", second, second == CheckOutcome.Passed ? "served" : "nothing answers", second == CheckOutcome.Passed ? null : "start the proxy"),
            ]));
    }
}
