using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class WorkerLayoutRestoreTests
{
    private static HomeserverDeployment WithWorkers()
    {
        var d = HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org/", HomeserverDatabase.Postgres, "synapse:1", "postgres:17",
            HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, new HomeserverSecrets("a", "b", "c", "d", "e"), DateTimeOffset.UnixEpoch);
        d.ApplyWorkers(new WorkerLayout(2, true, true), null, "sealed", 40000);
        return d;
    }

    [Fact]
    public void Upgrades_and_restores_wait_for_one_process_and_a_restored_server_starts_as_one()
    {
        var d = WithWorkers();
        d.MediaWorkerHostPort.ShouldBe(40000);
        Should.Throw<DomainException>(() => d.EnsureOneProcess("upgrade")).Message.ShouldContain("Go back to one process first (Processes), then upgrade");

        d.Restored(1, null, DateTimeOffset.UtcNow);

        d.Workers.IsMonolith.ShouldBeTrue();
        d.MediaWorkerHostPort.ShouldBeNull();
        Should.NotThrow(() => d.EnsureOneProcess("restore"));
    }

    [Fact]
    public void A_worker_memory_limit_below_what_synapse_needs_is_refused()
    {
        var d = WithWorkers();
        Should.Throw<DomainException>(() => d.ApplyWorkers(new WorkerLayout(1, false, false), 32L * 1024 * 1024, "sealed", null)).Message.ShouldContain("at least 64 MiB");
    }
}
