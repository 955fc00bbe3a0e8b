using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Testing;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Tests.Homeserver;

/// <summary>
/// The proof of a profile change on the FAKE engine, with the panel's clock moved on by hand: the
/// window before is measured when the change is applied, the window after once Synapse has warmed up
/// and the window has passed. (On the real engine and Synapse: MemoryProfileEndToEndTests.)
/// </summary>
public sealed class MemoryComparisonTests
{
    private const long MiB = 1024L * 1024;
    private static readonly SeriesInfo Homeserver = new(ContainerComponents.Homeserver, "synapse", ContainerComponents.Homeserver, true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_change_is_measured_before_and_after_its_warm_up_and_kept_with_its_effect()
    {
        var clock = Clock();
        using var factory = Factory(clock);
        var api = await factory.InstallAsync("compare.example.test", "sqlite");
        var store = factory.Services.GetRequiredService<MetricsStore>();
        var activity = factory.Services.GetRequiredService<ActivitySampler>();

        // A first reading of the counters, from which counting starts; then a minute at about 400
        // MiB, with 10 requests (4 syncs) every 20 s.
        factory.Admins.Activity = new HomeserverActivity(DateTimeOffset.UnixEpoch, 0, 0);
        await activity.SampleAsync(Ct);
        await SecondsAsync(60, 400, clock, store, activity, factory);
        var applied = await ApplyAsync(api, MemoryProfile.Small);
        applied.Operation!.Succeeded.ShouldBeTrue(applied.Operation.Error);

        var history = await api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history");
        var change = history.ShouldHaveSingleItem();
        change.Status.ShouldBe(MemoryChangeStatus.Measuring);
        change.To.ShouldBe(MemoryProfile.Small);
        change.Before!.MedianBytes.ShouldBe(400 * MiB);
        change.Before.Requests.ShouldBe(30);
        change.Before.Syncs.ShouldBe(12);
        change.After.ShouldBeNull("Synapse is still warming up");

        // The warm-up (its samples do not count), then a minute at about 300 MiB under the same load.
        await SecondsAsync(9, 900, clock, store, activity, factory);
        await SecondsAsync(61, 300, clock, store, activity, factory);
        await factory.Services.GetRequiredService<MemoryChanges>().FinishDueAsync(Ct);

        change = (await api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history")).Single();
        change.Status.ShouldBe(MemoryChangeStatus.Measured);
        change.After!.MedianBytes.ShouldBe(300 * MiB, "the warm-up's 900 MiB is not in the window");
        change.After.Requests.ShouldBe(30);
        change.Effect!.MedianDeltaPercent.ShouldBe(-25);
        change.Effect.Comparability.Comparable.ShouldBeTrue(string.Join("; ", change.Effect.Comparability.Reasons));
        change.EffectText!.ShouldStartWith("Median 400 MiB → 300 MiB (−100 MiB, −25 %)");
    }

    [Fact]
    public async Task A_change_applied_before_the_last_one_was_measured_cuts_it_short_and_says_so()
    {
        var clock = Clock();
        using var factory = Factory(clock);
        var api = await factory.InstallAsync("cut.example.test", "sqlite");
        var store = factory.Services.GetRequiredService<MetricsStore>();
        var activity = factory.Services.GetRequiredService<ActivitySampler>();
        await SecondsAsync(60, 400, clock, store, activity, factory);
        await ApplyAsync(api, MemoryProfile.Small);
        await SecondsAsync(30, 300, clock, store, activity, factory);

        (await ApplyAsync(api, MemoryProfile.Balanced)).Operation!.Succeeded.ShouldBeTrue();

        var history = await api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history");
        history.Select(c => c.To).ShouldBe([MemoryProfile.Balanced, MemoryProfile.Small]);
        history[1].Status.ShouldBe(MemoryChangeStatus.CutShort);
        history[1].Note.ShouldBe("The next change (Balanced) came before this window ended.");
        history[1].Effect!.Comparability.Comparable.ShouldBeFalse("its window after is 20 s of 60");
    }

    [Fact]
    public async Task Without_samples_before_a_change_there_is_nothing_to_compare_and_the_history_says_so()
    {
        var clock = Clock();
        using var factory = Factory(clock);
        var api = await factory.InstallAsync("blank.example.test", "sqlite");

        await ApplyAsync(api, MemoryProfile.Small);

        var change = (await api.GetAsync<List<MemoryChangeView>>("/api/v1/homeserver/memory-profile/history")).ShouldHaveSingleItem();
        change.Before.ShouldBeNull();
        change.Note!.ShouldContain("nothing to compare it with");
    }

    /// <summary>At a whole minute, so that the counters' readings fall at the same seconds of every window.</summary>
    private static FakeTimeProvider Clock()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero));
    }

    private static FakeEnginePanelFactory Factory(FakeTimeProvider clock)
    {
        var factory = new FakeEnginePanelFactory
        {
            Clock = clock,
            Settings = new Dictionary<string, string>
            {
                ["Panel:Homeserver:MemoryComparisonWindow"] = "00:01:00",
                ["Panel:Homeserver:MemoryWarmUp"] = "00:00:10",
            },
        };
        factory.Engine.AnswerExec = (_, command) => command.SequenceEqual(HomeserverMemory.ReadMemoryMap)
            ? new ExecResult(0, "7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n", "")
            : null;
        return factory;
    }

    /// <summary>
    /// Moves the clock on second by second, recording a memory sample each second (the given value,
    /// give or take 5 MiB), and reading the server's counters at the 10th, 30th and 50th second (10
    /// more requests, 4 syncs each time; the first reading ever only sets where counting starts).
    /// </summary>
    private static async Task SecondsAsync(int seconds, long mib, FakeTimeProvider clock, MetricsStore store, ActivitySampler activity, FakeEnginePanelFactory factory)
    {
        for (var i = 0; i < seconds; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var now = clock.GetUtcNow();
            store.Record(Homeserver, new ContainerStatsSample(now, 5, (mib + (i % 3 - 1) * 5) * MiB, 1024 * MiB, 0, 0, 0, 0));
            if (i % 20 == 9)
            {
                var last = factory.Admins.Activity;
                factory.Admins.Activity = new HomeserverActivity(DateTimeOffset.UnixEpoch, (last?.Requests ?? 0) + 10, (last?.Syncs ?? 0) + 4);
                await activity.SampleAsync(Ct);
            }
        }
    }

    private static async Task<HomeserverView> ApplyAsync(PanelApi api, MemoryProfile profile)
    {
        var started = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(profile, 768 * MiB), PanelApi.Json, Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync(Ct));
        return await Eventually.UntilAsync(api.HomeserverAsync, v => v.Operation is { Kind: "configure", IsRunning: false }, TimeSpan.FromSeconds(30), "The profile's operation", TimeSpan.FromMilliseconds(50));
    }
}
