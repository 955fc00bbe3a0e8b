using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class SwarmPlacementTests
{
    private static HomeserverDeployment Postgres() =>
        HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org/", HomeserverDatabase.Postgres, "synapse:1", "postgres:17",
            HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, new HomeserverSecrets("a", "b", "c", "d", "e"), DateTimeOffset.UnixEpoch);

    [Fact]
    public void On_swarm_the_workers_without_a_volume_are_services_and_the_media_worker_stays_a_container()
    {
        var d = Postgres();
        d.ApplyWorkers(new WorkerLayout(2, true, true), null, "sealed", 40000, onSwarm: true);
        d.Workers.Workers().Where(d.RunsAsService).Select(w => w.Name).ShouldBe(["generic1", "generic2", "federation_sender1"]);
        d.RunsAsService(d.Workers.Media!).ShouldBeFalse();
    }

    [Fact]
    public void Swarm_mode_without_workers_is_refused()
    {
        Should.Throw<DomainException>(() => Postgres().ApplyWorkers(WorkerLayout.Monolith, null, "sealed", null, onSwarm: true)).Message.ShouldContain("at least one worker");
    }

    [Fact]
    public void A_rolled_out_image_is_what_the_services_run_until_swarm_mode_ends()
    {
        var d = Postgres();
        Should.Throw<DomainException>(() => d.RolledOutWorkers("synapse:2")).Message.ShouldContain("Swarm services");
        d.ApplyWorkers(new WorkerLayout(1, false, true), null, "sealed", 40000, onSwarm: true);
        d.RolledOutWorkers("synapse:1-rebuilt");
        var generic = d.Workers.Workers()[0];
        d.ImageOf(generic).ShouldBe("synapse:1-rebuilt");
        d.ImageOf(d.Workers.Media!).ShouldBe("synapse:1", "the media worker is a container on the main process's image");

        // Back to containers: every worker on the main process's image again.
        d.ApplyWorkers(new WorkerLayout(1, false, true), null, "sealed", 40000, onSwarm: false);
        d.WorkerImage.ShouldBeNull();
        d.ImageOf(generic).ShouldBe("synapse:1");
        d.ApplyWorkers(new WorkerLayout(1, false, false), null, "sealed", 40000, onSwarm: true);
        d.UseOneProcess();
        d.WorkersOnSwarm.ShouldBeFalse();
    }
}

public sealed class WorkerAdviceTests
{
    [Fact]
    public void Worker_mode_is_advised_when_the_main_process_was_above_80_percent_of_a_core_for_a_fifth_of_the_week()
    {
        var week = Enumerable.Repeat(30.0, 134).Concat(Enumerable.Repeat(95.0, 34)).ToList();
        var advice = WorkerAdvice.From(week, cores: 4);
        advice.Recommended.ShouldBeTrue();
        advice.Text.ShouldContain("above 80 % of a core for 20 % of the last week (168 hours measured)");

        // On two cores the workers would share them with the main process: measured slower (P11).
        var small = WorkerAdvice.From(week, cores: 2);
        small.Recommended.ShouldBeFalse();
        small.Text.ShouldContain("this machine has 2 cores");
    }

    [Fact]
    public void A_main_process_busy_less_often_is_told_one_process_is_enough_and_a_short_history_is_not_judged()
    {
        var advice = WorkerAdvice.From([.. Enumerable.Repeat(30.0, 150), .. Enumerable.Repeat(95.0, 18)], cores: 8);
        advice.Recommended.ShouldBeFalse();
        advice.Text.ShouldContain("11 % of the last week");
        advice.Text.ShouldContain("one process is enough");
        var early = WorkerAdvice.From([99, 99, 99], cores: 8);
        early.Recommended.ShouldBeFalse();
        early.BusyShare.ShouldBeNull();
        early.Text.ShouldContain("Not enough measured yet: 3 hours");
    }
}
