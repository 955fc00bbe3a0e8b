using Panel.Domain.Containers;
using Panel.Testing.Fakes;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Features;

/// <summary>Every branch of a container swap, on the fake engine (the real engine rarely reaches the rollback ones).</summary>
public sealed class ContainerSwapTests
{
    private const string Old = "example.test/app:1";
    private const string New = "example.test/app:2";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeContainerRuntime _engine = new FakeContainerRuntime().WithImage(Old, ["/run"]).WithImage(New, ["/run"]);

    private async Task RunningOldAsync()
    {
        await _engine.CreateAsync(Spec(Old), Ct);
        await _engine.StartAsync("app", Ct);
    }

    private static ContainerSpec Spec(string image) => new() { Name = "app", Image = image, Component = ContainerComponents.Bridge };

    private SwapPlan Plan(Func<string, Task>? ready = null, Func<CancellationToken, Task>? recreate = null) => new(
        "app", "app-previous", TimeSpan.FromSeconds(1),
        async c => await _engine.CreateAsync(Spec(New), c),
        async _ => await (ready ?? (_ => Task.CompletedTask))(_engine.Container("app")!.Spec.Image),
        recreate);

    [Fact]
    public async Task A_ready_new_container_replaces_the_old_one_which_is_removed()
    {
        await RunningOldAsync();

        await _engine.ReplaceAsync(Plan(), OperationContext.Silent, "replace", Ct);

        _engine.Container("app")!.Spec.Image.ShouldBe(New);
        _engine.Container("app")!.State.ShouldBe("running");
        _engine.Container("app-previous").ShouldBeNull();
    }

    [Fact]
    public async Task A_new_container_that_never_becomes_ready_is_replaced_by_the_old_one_which_is_waited_for()
    {
        await RunningOldAsync();
        var waited = new List<string>();

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(Plan(image =>
        {
            waited.Add(image);
            return image == New ? throw new Panel.Domain.Common.DomainException("no answer on /health") : Task.CompletedTask;
        }), OperationContext.Silent, "replace", Ct));

        swap.Rollback.ShouldBe(SwapRollback.Running);
        swap.Reason.ShouldContain("no answer on /health");
        waited.ShouldBe([New, Old]);
        _engine.Container("app")!.Spec.Image.ShouldBe(Old);
        _engine.Container("app")!.State.ShouldBe("running");
        _engine.Container("app-previous").ShouldBeNull();
    }

    [Fact]
    public async Task An_engine_that_refuses_the_new_container_leaves_the_old_one_running()
    {
        await RunningOldAsync();
        _engine.FailOn(nameof(IContainerRuntime.CreateAsync), new ContainerEngineException("No command specified"));

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(Plan(), OperationContext.Silent, "replace", Ct));

        swap.Rollback.ShouldBe(SwapRollback.Running);
        swap.Reason.ShouldContain("No command specified");
        _engine.Container("app")!.Spec.Image.ShouldBe(Old);
        _engine.Container("app")!.State.ShouldBe("running");
    }

    [Fact]
    public async Task A_start_that_fails_with_an_unexpected_error_is_rolled_back_too()
    {
        await RunningOldAsync();
        // The first start is the new container's.
        _engine.FailOn(nameof(IContainerRuntime.StartAsync), new InvalidOperationException("port is already allocated"));

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(Plan(), OperationContext.Silent, "replace", Ct));

        swap.OldRunning.ShouldBeTrue();
        swap.Reason.ShouldContain("port is already allocated");
        _engine.Container("app")!.Spec.Image.ShouldBe(Old);
    }

    [Fact]
    public async Task When_the_kept_old_container_is_gone_it_is_made_again_if_it_can_be()
    {
        await RunningOldAsync();
        var plan = Plan(image => image == New ? throw new Panel.Domain.Common.DomainException("crashed") : Task.CompletedTask,
            recreate: async c => await _engine.CreateAsync(Spec(Old), c));
        // Something removed the kept copy while the new one was starting.
        _engine.When(nameof(IContainerRuntime.StartAsync), () => _ = _engine.RemoveAsync("app-previous", Ct));

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(plan, OperationContext.Silent, "replace", Ct));

        swap.Rollback.ShouldBe(SwapRollback.Running);
        _engine.Container("app")!.Spec.Image.ShouldBe(Old);
    }

    [Fact]
    public async Task When_the_kept_old_container_is_gone_and_cannot_be_made_again_the_swap_says_so()
    {
        await RunningOldAsync();
        _engine.When(nameof(IContainerRuntime.StartAsync), () => _ = _engine.RemoveAsync("app-previous", Ct));

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(
            Plan(image => image == New ? throw new Panel.Domain.Common.DomainException("crashed") : Task.CompletedTask), OperationContext.Silent, "replace", Ct));

        swap.Rollback.ShouldBe(SwapRollback.PreviousGone);
        _engine.Container("app").ShouldBeNull();
    }

    [Fact]
    public async Task An_old_container_that_does_not_come_back_is_not_called_running()
    {
        await RunningOldAsync();

        var swap = await Should.ThrowAsync<ContainerSwapException>(() => _engine.ReplaceAsync(
            Plan(image => throw new Panel.Domain.Common.DomainException($"{image} does not answer")), OperationContext.Silent, "replace", Ct));

        swap.Rollback.ShouldBe(SwapRollback.Failed);
        swap.RollbackFailure!.ShouldContain($"{Old} does not answer");
        swap.Reason.ShouldContain($"{New} does not answer");
    }
}
