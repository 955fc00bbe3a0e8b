using System.Net;
using System.Net.Http.Json;
using Panel.Domain.Homeserver;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Homeserver;

namespace Panel.EndToEnd.Tests.Homeserver;

public sealed class MemoryHomeserverFixture() : InstalledHomeserverFixture(null, "memory.example.test");

/// <summary>Memory profiles on the real engine and the real Synapse image (built from Debian, with jemalloc).</summary>
public sealed class MemoryProfileEndToEndTests(MemoryHomeserverFixture hs, BrowserFixture browser) : IClassFixture<MemoryHomeserverFixture>, IClassFixture<BrowserFixture>
{
    private const long MiB = 1024L * 1024;

    [Fact]
    public async Task Applying_Small_changes_the_running_Synapse_jemalloc_mapped_caches_and_limit_as_Synapse_reads_them()
    {
        var before = await hs.Api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile");
        before.Jemalloc.ShouldBe(true, "the image preloads jemalloc");
        before.Options.Single(o => o.Recommended).Profile.ShouldBe(MemoryProfile.Small);

        await hs.Api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile", new MemoryProfileRequest(MemoryProfile.Small, 768 * MiB), PanelApi.Json, TestContext.Current.CancellationToken);
        var done = await hs.WaitForOperationAsync("configure");

        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.Error);
        done.Health.ShouldBe("healthy");
        // The process that runs now has jemalloc mapped, and the engine enforces the new limit.
        (await DockerTestHelper.ExecAsync(hs.SynapseContainer, [.. HomeserverMemory.ReadMemoryMap])).ShouldContain("libjemalloc.so.2");
        (await DockerTestHelper.InspectAsync(hs.SynapseContainer))!.HostConfig!.Memory.ShouldBe(768 * MiB);
        // Synapse's own config loader reads the file as the panel meant it.
        var read = await DockerTestHelper.ExecAsync(hs.SynapseContainer, "python3", "-c",
            "from synapse.config.homeserver import HomeServerConfig; c = HomeServerConfig.load_config('', ['-c', '/data/homeserver.yaml']); "
            + "print(c.caches.global_factor, c.server.presence_enabled, c.caches.cache_autotuning['max_cache_memory_usage'], c.server.limit_remote_rooms.complexity)");
        read.Trim().Split('\n')[^1].ShouldBe($"0.1 False {307 * MiB} 1", "autotuning at 40 % of 768 MiB");
        (await hs.Api.AuditAsync("action=homeserver.memory-profile")).ShouldContain(e => e.Outcome == "Success" && e.Details!.Contains("→ Small"));
    }

    [Fact]
    public async Task A_limit_below_Synapses_floor_is_refused_with_the_number_that_fits()
    {
        var current = (await hs.Api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile")).Current;

        var refused = await hs.Api.Http.PutAsJsonAsync("/api/v1/homeserver/memory-profile",
            new MemoryProfileRequest(MemoryProfile.Custom, Custom: current with { MemoryLimitBytes = 100 * MiB }), PanelApi.Json, TestContext.Current.CancellationToken);

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("at least 256 MiB");
    }

    [Fact]
    public async Task The_owner_applies_Balanced_from_the_homeserver_page_and_it_fits_a_phone()
    {
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        var homeserver = new HomeserverPage(page);
        await BrowserFixture.RunAsync(page, "memory-profile", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            await homeserver.OpenAsync();
            await Assertions.Expect(homeserver.Jemalloc).ToHaveTextAsync("jemalloc loaded", new() { Timeout = 30_000 });
            await Assertions.Expect(homeserver.Profile("small")).ToContainTextAsync("Recommended");
            await Assertions.Expect(homeserver.Profile("small")).ToContainTextAsync("presence off");
            await BrowserFixture.ScreenshotAsync(page, "memory-profiles");

            await homeserver.ApplyProfileAsync("balanced");
            await Assertions.Expect(homeserver.Profile("balanced")).ToContainTextAsync("In use", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.Health).ToHaveTextAsync("healthy", new() { Timeout = 60_000 });
            // The change is listed with the memory before it, and the window after it to come.
            await Assertions.Expect(homeserver.Changes).ToContainTextAsync("→ Balanced", new() { Timeout = 30_000 });
            await Assertions.Expect(homeserver.Changes).ToContainTextAsync("warming up");

            // Custom settings: a limit below Synapse's floor is refused in the dialog, which keeps
            // what was typed; a limit that fits is applied.
            await homeserver.ApplyCustomLimitAsync(100);
            await Assertions.Expect(homeserver.CustomError).ToContainTextAsync("at least 256 MiB");
            await homeserver.ApplyCustomLimitAsync(640);
            await Assertions.Expect(homeserver.CurrentMemory).ToContainTextAsync("Custom", new() { Timeout = 120_000 });
            await Assertions.Expect(homeserver.CurrentMemory).ToContainTextAsync("Limit 640 MiB");
            await Assertions.Expect(homeserver.Changes).ToContainTextAsync("Balanced → Custom", new() { Timeout = 30_000 });

            // On a phone the cards stack: nothing is wider than the screen.
            await page.SetViewportSizeAsync(390, 844);
            await homeserver.ReloadAsync();
            await Assertions.Expect(homeserver.Profile("balanced")).ToBeVisibleAsync();
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await BrowserFixture.ScreenshotAsync(page, "memory-profiles-phone");
        }, hs.Process);

        (await hs.Api.GetAsync<MemoryProfileView>("/api/v1/homeserver/memory-profile")).Current.Profile.ShouldBe(MemoryProfile.Custom);
    }
}
