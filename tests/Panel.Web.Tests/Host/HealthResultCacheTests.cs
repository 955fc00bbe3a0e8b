using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Panel.Testing;
using Panel.Web.Features.Health;

namespace Panel.Web.Tests.Host;

public sealed class HealthResultCacheTests
{
    [Fact]
    public async Task A_check_runs_at_most_once_a_second_and_each_check_keeps_its_own_result()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cache = new HealthResultCache(clock);
        var runs = 0;
        Task<HealthCheckResult> Run() => Task.FromResult(HealthCheckResult.Healthy($"run {++runs}"));

        (await cache.GetAsync("docker", Run)).Description.ShouldBe("run 1");
        clock.Advance(TimeSpan.FromMilliseconds(900));
        (await cache.GetAsync("docker", Run)).Description.ShouldBe("run 1", "within the second: the result before");
        (await cache.GetAsync("database", Run)).Description.ShouldBe("run 2", "another check is not the same result");
        clock.Advance(TimeSpan.FromMilliseconds(100));
        (await cache.GetAsync("docker", Run)).Description.ShouldBe("run 3");
    }

    [Fact]
    public async Task While_a_check_runs_other_requests_get_the_result_before_it_and_do_not_run_it_again()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cache = new HealthResultCache(clock);
        (await cache.GetAsync("docker", () => Task.FromResult(HealthCheckResult.Healthy("first")))).Description.ShouldBe("first");
        clock.Advance(TimeSpan.FromSeconds(2));
        var slow = new TaskCompletionSource<HealthCheckResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;

        var refreshing = cache.GetAsync("docker", () => { runs++; return slow.Task; });
        await Eventually.TrueAsync(() => Task.FromResult(runs == 1), "the refresh has started");
        (await cache.GetAsync("docker", () => { runs++; return slow.Task; })).Description.ShouldBe("first", "the result before, while the refresh runs");
        slow.SetResult(HealthCheckResult.Unhealthy("second"));

        (await refreshing).Description.ShouldBe("second");
        (await cache.GetAsync("docker", () => { runs++; return slow.Task; })).Description.ShouldBe("second");
        runs.ShouldBe(1);
    }
}
