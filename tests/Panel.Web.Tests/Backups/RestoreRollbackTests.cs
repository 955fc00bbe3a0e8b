using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Audit;
using Panel.Domain.Containers;
using Panel.Testing;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Homeserver;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Backups;

/// <summary>
/// The branches of a restore that the real engine rarely reaches, on the FAKE engine: a restored
/// homeserver that does not come up after the switch-over goes back to the previous data, and a
/// failure before the switch-over leaves everything as it was.
/// </summary>
public sealed class RestoreRollbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restored_homeserver_that_is_not_healthy_after_the_switch_over_goes_back_to_the_previous_data()
    {
        using var factory = new FakeEnginePanelFactory();
        var (api, names) = await InstallAndBackUpAsync(factory);
        var before = await api.HomeserverAsync();
        var backup = (await api.BackupsAsync()).Single();

        // Synapse fails its health check from the moment the restored one is started.
        var broken = new InvalidOperationException("the restored Synapse does not answer");
        factory.Engine.When(nameof(IContainerRuntime.StartAsync), () => factory.Admins.FailHealthWith = broken, names.Synapse);
        await api.RestoreAsync(backup.Id, new RestoreRequest { ConfirmServerName = backup.ServerName });
        await WaitForRestoreAsync(factory);
        factory.Admins.FailHealthWith = null;
        var view = await api.HomeserverAsync();

        view.Operation!.Succeeded.ShouldBeFalse();
        view.Operation.Error!.ShouldContain("went back to the previous data, which is running again", customMessage: view.Operation.Error);
        view.Operation.Steps.Single(s => s.Key == "health").Status.ShouldBe(StepStatus.Failed);
        // The records describe the previous homeserver, on its own volumes; the restored ones are gone.
        var deployment = (await factory.Services.GetRequiredService<HomeserverAccess>().GetDeploymentAsync(Ct))!;
        deployment.DataGeneration.ShouldBe(0);
        view.Settings!.ServerName.ShouldBe(before.Settings!.ServerName);
        (await factory.Engine.VolumeExistsAsync(names.SynapseData(1), Ct)).ShouldBeFalse();
        (await factory.Engine.VolumeExistsAsync(names.PostgresData(1), Ct)).ShouldBeFalse();
        (await factory.Engine.VolumeExistsAsync(names.SynapseData(0), Ct)).ShouldBeTrue();
        factory.Engine.Container(names.Synapse)!.State.ShouldBe("running");
        factory.Engine.Container(names.Synapse)!.Spec.Volumes!.Keys.ShouldContain(names.SynapseData(0));
        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "backup.restored"), Ct);
        audit.Items.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Failure);
        (await api.HomeserverAsync()).Health.ShouldBe("healthy");
    }

    [Fact]
    public async Task A_restore_that_fails_while_writing_the_new_volumes_touches_nothing_that_runs()
    {
        using var factory = new FakeEnginePanelFactory();
        var (api, names) = await InstallAndBackUpAsync(factory);
        var backup = (await api.BackupsAsync()).Single();
        var synapseBefore = factory.Engine.Container(names.Synapse)!.Id;

        factory.Engine.FailOn(nameof(IContainerRuntime.WriteArchiveAsync), new ContainerEngineException("no space left on device"));
        await api.RestoreAsync(backup.Id, new RestoreRequest { ConfirmServerName = backup.ServerName });
        await WaitForRestoreAsync(factory);
        var view = await api.HomeserverAsync();

        view.Operation!.Succeeded.ShouldBeFalse();
        view.Operation.Error!.ShouldContain("before the homeserver was touched");
        view.Operation.Error!.ShouldContain("no space left on device");
        factory.Engine.Container(names.Synapse)!.Id.ShouldBe(synapseBefore);
        factory.Engine.Container(names.Synapse)!.State.ShouldBe("running");
        (await factory.Engine.VolumeExistsAsync(names.SynapseData(1), Ct)).ShouldBeFalse();
        factory.Engine.Container(names.RestoreHelper).ShouldBeNull();
    }

    private static async Task<(PanelApi Api, HomeserverNames Names)> InstallAndBackUpAsync(FakeEnginePanelFactory factory)
    {
        var api = await factory.InstallAsync("restore.example.test");
        var id = await api.StartBackupAsync();
        var backup = await Eventually.UntilAsync(() => api.BackupAsync(id), v => v.Status != "running" && v.Operation is not { FinishedAt: null }, TimeSpan.FromSeconds(30), "The backup", TimeSpan.FromMilliseconds(50));
        backup.Status.ShouldBe("completed", backup.ToString());
        return (api, factory.Names);
    }

    // Watched through the operation itself, not GET /api/v1/homeserver: that asks Synapse's health,
    // and would take the one failed health check the restore's own check must meet.
    private static Task<OperationView?> WaitForRestoreAsync(FakeEnginePanelFactory factory) =>
        Eventually.UntilAsync(() => Task.FromResult(factory.Services.GetRequiredService<HomeserverOperations>().Current),
            o => o is { Kind: "restore", FinishedAt: not null }, TimeSpan.FromSeconds(60), "The end of the restore", TimeSpan.FromMilliseconds(50));
}
