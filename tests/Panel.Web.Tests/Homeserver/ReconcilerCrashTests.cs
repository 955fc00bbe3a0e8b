using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Homeserver;

/// <summary>
/// What a crash of the panel leaves behind, on the FAKE engine, and the reconciler's next pass: an
/// upgrade stopped half-way (either side of the switch), and containers nobody wants any more.
/// </summary>
public sealed class ReconcilerCrashTests
{
    private const string OtherImage = "example.test/synapse:other";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upgrade_cut_off_before_its_new_container_was_healthy_is_settled_on_the_kept_old_container()
    {
        using var factory = new FakeEnginePanelFactory();
        var names = await InstallAsync(factory);
        // The crash: the old container was set aside, a new one with another image was made, and
        // the records still want the old image (the upgrade had not finished).
        var old = factory.Engine.Container(names.Synapse)!;
        await factory.Engine.RenameAsync(names.Synapse, names.SynapsePrevious, Ct);
        await factory.Engine.CreateAsync(new ContainerSpec { Name = names.Synapse, Image = OtherImage, Component = ContainerComponents.Homeserver }, Ct);

        await factory.Services.GetRequiredService<HomeserverReconciler>().ReconcileAsync(Ct);

        var synapse = factory.Engine.Container(names.Synapse)!;
        synapse.Id.ShouldBe(old.Id);
        synapse.Spec.Image.ShouldBe(FakeEnginePanelFactory.SynapseImage);
        factory.Engine.Container(names.SynapsePrevious).ShouldBeNull();
    }

    [Fact]
    public async Task An_upgrade_cut_off_after_its_new_container_took_over_removes_the_kept_old_one()
    {
        using var factory = new FakeEnginePanelFactory();
        var names = await InstallAsync(factory);
        // The crash came after the switch: the running container has the wanted image; the
        // previous one, kept for a rollback, has another.
        await factory.Engine.CreateAsync(new ContainerSpec { Name = names.SynapsePrevious, Image = OtherImage, Component = ContainerComponents.Homeserver }, Ct);
        var current = factory.Engine.Container(names.Synapse)!.Id;

        await factory.Services.GetRequiredService<HomeserverReconciler>().ReconcileAsync(Ct);

        factory.Engine.Container(names.Synapse)!.Id.ShouldBe(current);
        factory.Engine.Container(names.SynapsePrevious).ShouldBeNull();
    }

    [Fact]
    public async Task Containers_left_by_a_crash_that_nothing_wants_are_removed_and_the_rest_kept()
    {
        using var factory = new FakeEnginePanelFactory();
        var names = await InstallAsync(factory);
        await factory.Engine.CreateAsync(new ContainerSpec { Name = names.Synapse + "-stray", Image = FakeEnginePanelFactory.SynapseImage, Component = ContainerComponents.Homeserver }, Ct);
        await factory.Engine.CreateAsync(new ContainerSpec { Name = names.Bridge("gone"), Image = FakeEnginePanelFactory.SynapseImage, Component = ContainerComponents.Bridge }, Ct);

        await factory.Services.GetRequiredService<HomeserverReconciler>().ReconcileAsync(Ct);

        factory.Engine.Container(names.Synapse + "-stray").ShouldBeNull();
        factory.Engine.Container(names.Bridge("gone")).ShouldBeNull();
        factory.Engine.Container(names.Synapse)!.State.ShouldBe("running");
        factory.Engine.Container(names.Postgres)!.State.ShouldBe("running");
    }

    private static async Task<HomeserverNames> InstallAsync(FakeEnginePanelFactory factory)
    {
        factory.Engine.WithImage(OtherImage, entrypoint: ["/start.sh"]);
        await factory.InstallAsync("crash.example.test");
        return factory.Names;
    }
}
