using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Audit;
using Panel.Domain.Containers;
using Panel.Testing;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Homeserver;

/// <summary>
/// A fault at each step of the install, on the fake engine: every one ends in a failed operation whose
/// step and message say what happened, an install marked failed (so the wizard is offered again), an
/// audit entry with the failure, and a retry that works once the fault is gone.
/// </summary>
public sealed class InstallFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> Faults => new()
    {
        // step, database, where the fault is injected
        { "pull", "sqlite", nameof(IContainerRuntime.InspectImageAsync) },
        { "network", "sqlite", nameof(IContainerRuntime.EnsureNetworkAsync) },
        { "database", "postgres", nameof(IContainerRuntime.ExecAsync) },
        { "config", "sqlite", nameof(IContainerRuntime.WriteFilesAsync) },
        { "start", "sqlite", nameof(IContainerRuntime.StartAsync) },
        { "health", "sqlite", "health" },
        { "admin", "sqlite", "admin" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task An_unexpected_error_at_any_install_step_fails_the_install_clearly_and_a_retry_succeeds(string step, string database, string where)
    {
        using var factory = new FakeEnginePanelFactory();
        var api = factory.CreateApiClient(await factory.CreateTokenAsync((await factory.EnsureOwnerAsync()).Id));
        var injected = new InvalidOperationException($"injected fault at {step}");
        switch (where)
        {
            case "health":
                // Armed when Synapse starts, and kept until the install ended: the API's own status
                // reads ask for /health too, and must not take the fault meant for the install.
                factory.Admins.FailHealthUntilCleared = true;
                factory.Engine.When(nameof(IContainerRuntime.StartAsync), () => factory.Admins.FailHealthWith = injected);
                break;
            case "admin":
                factory.Admins.FailRegistrationWith = injected;
                break;
            default:
                factory.Engine.FailOn(where, injected);
                break;
        }

        var install = await api.PostAsJsonAsync("/api/v1/homeserver/install", Request(database), Ct);
        install.StatusCode.ShouldBe(HttpStatusCode.Accepted, await install.Content.ReadAsStringAsync(Ct));
        var view = await WaitForOperationEndAsync(api);
        factory.Admins.FailHealthWith = null;

        var operation = view.Operation!;
        operation.Succeeded.ShouldBeFalse();
        var error = operation.Error!;
        error.ShouldContain($"injected fault at {step}");
        error.ShouldNotContain("An unexpected error stopped the operation");
        var failedStep = operation.Steps.Single(s => s.Key == step);
        failedStep.Status.ShouldBe(StepStatus.Failed);
        failedStep.Message!.ShouldContain($"injected fault at {step}");
        view.Phase.ShouldBe("failed");
        view.LastError!.ShouldContain($"injected fault at {step}");

        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "homeserver.install"), Ct);
        audit.Items.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Failure);
        audit.Items[0].Details!.ShouldContain($"injected fault at {step}");

        // The way out: installing again (the fault is gone) finishes the job.
        var retry = await api.PostAsJsonAsync("/api/v1/homeserver/install", Request(database), Ct);
        retry.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync(Ct));
        var after = await WaitForOperationEndAsync(api);
        after.Operation!.Succeeded.ShouldBeTrue(after.ToString());
        after.Phase.ShouldBe("installed");
        (await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "homeserver.install", Outcome: AuditOutcome.Success), Ct)).Total.ShouldBe(1);
    }

    [Fact]
    public async Task An_image_without_an_entry_point_runs_Synapses_module_as_its_user()
    {
        using var factory = new FakeEnginePanelFactory();
        factory.Engine.WithImage("example.test/plain-root:1");
        var api = factory.CreateApiClient(await factory.CreateTokenAsync((await factory.EnsureOwnerAsync()).Id));

        var install = await api.PostAsJsonAsync("/api/v1/homeserver/install", Request("sqlite") with { Image = "example.test/plain-root:1" }, Ct);
        install.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var view = await WaitForOperationEndAsync(api);

        view.Operation!.Succeeded.ShouldBeTrue(view.ToString());
        var synapse = factory.Engine.Container(factory.Services.GetRequiredService<HomeserverNames>().Synapse) ?? throw new InvalidOperationException(string.Join('\n', factory.Engine.Calls));
        synapse.Spec.Command.ShouldNotBeNull();
        synapse.Spec.Command[^1].ShouldContain("setpriv --reuid=991 --regid=991 --clear-groups python3 -m synapse.app.homeserver --config-path /data/homeserver.yaml");
        view.Operation.Steps[0].Message!.ShouldContain("has no entry point");
    }

    private static InstallRequest Request(string database) => new()
    {
        ServerName = "faults.example.test",
        Database = database,
        Image = FakeEnginePanelFactory.SynapseImage,
        DatabaseImage = "example.test/postgres:fake",
    };

    private static Task<HomeserverView> WaitForOperationEndAsync(HttpClient api) =>
        Eventually.UntilAsync(
            () => new PanelApi(api).HomeserverAsync(),
            view => view.Operation is { IsRunning: false },
            TimeSpan.FromSeconds(30), "The end of the operation", TimeSpan.FromMilliseconds(50));
}
