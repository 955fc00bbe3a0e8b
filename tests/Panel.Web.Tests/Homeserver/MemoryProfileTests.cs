using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Panel.Domain.Audit;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Testing;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Homeserver;

/// <summary>
/// Applying memory profiles on the FAKE engine: the config and the limit change and are audited, a
/// Synapse that does not come back is put back as it was, and choices that cannot work are refused
/// before anything changes. (The real image and Synapse: MemoryProfileEndToEndTests.)
/// </summary>
public sealed class MemoryProfileTests
{
    private const long MiB = 1024L * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Applying_Small_rewrites_the_config_sets_the_limit_restarts_and_is_audited()
    {
        using var factory = await InstalledAsync(jemalloc: true);
        var api = await ApiAsync(factory);

        var view = await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile");
        view.Jemalloc.ShouldBe(true);
        view.Current.Profile.ShouldBe(MemoryProfile.Custom);
        view.Options.Single(o => o.Recommended).Profile.ShouldBe(MemoryProfile.Small);

        var done = await ApplyAsync(api, new MemoryProfileRequest(MemoryProfile.Small, 768 * MiB));

        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        var config = Config(factory);
        config.ShouldContain("cache_autotuning");
        config.ShouldContain("global_factor: 0.1");
        config.ShouldContain("limit_remote_rooms");
        factory.Engine.Container(factory.Names.Synapse)!.MemoryLimitBytes.ShouldBe(768 * MiB);
        factory.Engine.Calls.ShouldContain($"RestartAsync {factory.Names.Synapse}");
        (await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile")).Current.Profile.ShouldBe(MemoryProfile.Small);
        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "homeserver.memory-profile"), Ct);
        audit.Items.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Success);
        audit.Items[0].Details!.ShouldContain("Custom → Small");
    }

    [Fact]
    public async Task A_Synapse_that_does_not_come_back_is_put_back_on_the_previous_settings()
    {
        using var factory = await InstalledAsync(jemalloc: true);
        var api = await ApiAsync(factory);
        var before = factory.Services.GetRequiredService<HomeserverAccess>();
        var previous = (await before.GetDeploymentAsync(Ct))!.Memory;
        factory.Engine.When(nameof(IContainerRuntime.RestartAsync), () => factory.Admins.FailHealthWith = new InvalidOperationException("Synapse refuses the new config"));

        var done = await ApplyAsync(api, new MemoryProfileRequest(MemoryProfile.Roomy));
        factory.Admins.FailHealthWith = null;

        done.Operation!.Succeeded.ShouldBeFalse();
        done.Operation.Error!.ShouldContain("so it was undone");
        done.Operation.Error!.ShouldContain("Synapse refuses the new config");
        (await before.GetDeploymentAsync(Ct))!.Memory.ShouldBe(previous);
        Config(factory).ShouldNotContain("cache_autotuning");
        var audit = await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "homeserver.memory-profile"), Ct);
        audit.Items.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Failure);
    }

    [Fact]
    public async Task A_config_Synapse_rejects_is_rolled_back_with_Synapses_own_error_line_shown()
    {
        using var factory = await InstalledAsync(jemalloc: true);
        var api = await ApiAsync(factory);
        var previous = (await factory.Services.GetRequiredService<HomeserverAccess>().GetDeploymentAsync(Ct))!.Memory;
        var restarts = 0;
        // The first restart (with the new config) ends as Synapse ends on a config it refuses; the
        // rollback's restart comes back.
        factory.Engine.When(nameof(IContainerRuntime.RestartAsync), () =>
        {
            var synapse = factory.Engine.Container(factory.Names.Synapse)!;
            if (Interlocked.Increment(ref restarts) == 1)
            {
                synapse.Logs.Enqueue("synapse.config._base.ConfigError: Error in configuration at 'caches.cache_autotuning.max_cache_memory_usage': invalid size");
                factory.Admins.Healthy = false;
                // Just after the engine says it restarted: Synapse reads its config and exits.
                _ = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    synapse.State = "exited";
                });
            }
            else
            {
                factory.Admins.Healthy = true;
            }
        }, factory.Names.Synapse);

        var done = await ApplyAsync(api, new MemoryProfileRequest(MemoryProfile.Small, 768 * MiB));

        done.Operation!.Succeeded.ShouldBeFalse();
        done.Operation.Error!.ShouldContain("so it was undone");
        done.Operation.Error!.ShouldContain("Error in configuration at 'caches.cache_autotuning.max_cache_memory_usage'");
        (await factory.Services.GetRequiredService<HomeserverAccess>().GetDeploymentAsync(Ct))!.Memory.ShouldBe(previous);
        factory.Engine.Container(factory.Names.Synapse)!.State.ShouldBe("running", "the previous config is back, and Synapse with it");
    }

    [Fact]
    public async Task Changing_only_the_cache_factor_reloads_Synapse_with_SIGHUP_instead_of_restarting_it()
    {
        using var factory = await InstalledAsync(jemalloc: false);
        var api = await ApiAsync(factory);
        var current = (await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile")).Current;

        var done = await ApplyAsync(api, new MemoryProfileRequest(MemoryProfile.Custom, Custom: current with { CacheFactor = 0.3 }));

        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        factory.Engine.Execs.ShouldContain(e => e.Container == factory.Names.Synapse && e.Command.Contains("kill -HUP 1"));
        factory.Engine.Calls.ShouldNotContain($"RestartAsync {factory.Names.Synapse}");
        Config(factory).ShouldContain("global_factor: 0.3");
    }

    [Fact]
    public async Task Choices_that_cannot_work_are_refused_with_the_reason_and_change_nothing()
    {
        using var factory = await InstalledAsync(jemalloc: false);
        var api = await ApiAsync(factory);
        var current = (await api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile")).Current;
        var configBefore = Config(factory);

        var tooSmall = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Custom, Custom: current with { MemoryLimitBytes = 128 * MiB }), PanelApi.Json, Ct);
        var tuned = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Custom,
            Custom: current with { CacheAutotuning = true, MaxCacheMemoryBytes = 400 * MiB, TargetCacheMemoryBytes = 300 * MiB, MinCacheTtlSeconds = 60 }), PanelApi.Json, Ct);
        var noSettings = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Custom), PanelApi.Json, Ct);

        tooSmall.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooSmall.Content.ReadAsStringAsync(Ct)).ShouldContain("at least 256 MiB");
        tuned.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tuned.Content.ReadAsStringAsync(Ct)).ShouldContain("needs jemalloc");
        noSettings.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Config(factory).ShouldBe(configBefore);
        (await factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "homeserver.memory-profile"), Ct)).Total.ShouldBe(0);
    }

    private static async Task<FakeEnginePanelFactory> InstalledAsync(bool jemalloc)
    {
        var factory = new FakeEnginePanelFactory();
        // What Synapse's memory map shows: the panel looks for jemalloc there.
        factory.Engine.AnswerExec = (_, command) => command.SequenceEqual(HomeserverMemory.ReadMemoryMap)
            ? new ExecResult(0, jemalloc ? "7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n" : "7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n", "")
            : null;
        await factory.InstallAsync("memory.example.test", "sqlite");
        return factory;
    }

    private static async Task<PanelApi> ApiAsync(FakeEnginePanelFactory factory) =>
        new(factory.CreateApiClient(await factory.CreateTokenAsync((await factory.EnsureOwnerAsync()).Id)));

    private static async Task<HomeserverView> ApplyAsync(PanelApi api, MemoryProfileRequest request)
    {
        var started = await api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", request, PanelApi.Json, Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync(Ct));
        return await Eventually.UntilAsync(api.HomeserverAsync, v => v.Operation is { Kind: "configure", IsRunning: false }, TimeSpan.FromSeconds(30), "The profile's operation", TimeSpan.FromMilliseconds(50));
    }

    private static string Config(FakeEnginePanelFactory factory) =>
        Encoding.UTF8.GetString(factory.Engine.Container(factory.Names.Synapse)!.Files["/data/homeserver.yaml"]);
}
