using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class WorkerLayoutTests
{
    [Fact]
    public void Workers_are_named_and_given_ports_in_a_stable_order()
    {
        var layout = WorkerLayout.Create(2, true, true, HomeserverDatabase.Postgres);

        layout.Workers().ShouldBe([
            new SynapseWorker("generic1", WorkerKind.Generic, 8083),
            new SynapseWorker("generic2", WorkerKind.Generic, 8084),
            new SynapseWorker("federation_sender1", WorkerKind.FederationSender, 0),
            new SynapseWorker("media1", WorkerKind.Media, 8091),
        ]);
        layout.Workers()[2].ContainerSuffix.ShouldBe("federation-sender1");
        layout.ToString().ShouldBe("2 generic workers, a federation sender, a media worker beside the main process");
        WorkerLayout.Monolith.IsMonolith.ShouldBeTrue();
        WorkerLayout.Monolith.Workers().ShouldBeEmpty();
    }

    [Fact]
    public void Workers_need_postgresql_and_a_bounded_count()
    {
        Should.Throw<DomainException>(() => WorkerLayout.Create(1, false, false, HomeserverDatabase.Sqlite)).Message.ShouldContain("share one PostgreSQL database");
        Should.Throw<DomainException>(() => WorkerLayout.Create(9, false, false, HomeserverDatabase.Postgres)).Message.ShouldContain("Between 0 and 8");
        WorkerLayout.Create(0, false, false, HomeserverDatabase.Sqlite).ShouldBe(WorkerLayout.Monolith);
    }
}
