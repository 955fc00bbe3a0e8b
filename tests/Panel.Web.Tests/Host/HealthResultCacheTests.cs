using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
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
}
