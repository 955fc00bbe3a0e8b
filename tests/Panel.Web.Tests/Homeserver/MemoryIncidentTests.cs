using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Persistence;
using Panel.Testing;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Homeserver;

/// <summary>
/// A restart loop on the FAKE engine (the events timeline as Docker's events fill it): shown with
/// the profile that would have fitted, until a profile is applied after it. (An OOM kill in the
/// real Synapse container: MemoryProofTests.)
/// </summary>
public sealed class MemoryIncidentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_stops_in_ten_minutes_are_a_restart_loop_with_a_lighter_profile_suggested_until_one_is_applied()
    {
        using var factory = new FakeEnginePanelFactory();
        factory.Engine.AnswerExec = (_, command) => command.SequenceEqual(HomeserverMemory.ReadMemoryMap) ? new ExecResult(0, "libjemalloc.so.2", "") : null;
        var api = await factory.InstallAsync("loop.example.test", "sqlite");
        var now = DateTimeOffset.UtcNow;
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync(Ct))
        {
            foreach (var minutesAgo in new[] { 9, 6, 2 })
            {
                db.TimelineEvents.Add(TimelineEvent.Record(now.AddMinutes(-minutesAgo), "container", $"{factory.Names.Synapse} ({ContainerComponents.Homeserver})", "die", "exit code 137"));
            }

            // One stop of the database is not Synapse's.
            db.TimelineEvents.Add(TimelineEvent.Record(now.AddMinutes(-1), "container", $"{factory.Names.Postgres} ({ContainerComponents.Database})", "die", "exit code 1"));
            await db.SaveChangesAsync(Ct);
        }

        var view = await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile");

        view.Incident.ShouldNotBeNull();
        view.Incident.Kind.ShouldBe("restart-loop");
        view.Incident.At.ShouldBe(now.AddMinutes(-2), TimeSpan.FromSeconds(1));
        view.Incident.Advice!.Profile.ShouldBe(MemoryProfile.Small, "the config generated at install is heavier than Small");
        view.Incident.Advice.Text.ShouldContain("Small would have fitted better");

        var applied = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Small), PanelApi.Json, Ct);
        applied.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.UntilAsync(api.HomeserverAsync, v => v.Operation is { Kind: "configure", IsRunning: false }, TimeSpan.FromSeconds(30), "Small applied");

        view = await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile");
        view.Incident!.Advice.ShouldBeNull("advice for the settings that ran out would mislead now");
        view.Incident.Description.ShouldEndWith("Since then, the Small profile was applied.");
    }
}
