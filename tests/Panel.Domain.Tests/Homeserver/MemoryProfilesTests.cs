using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class MemoryProfilesTests
{
    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;

    [Theory]
    [InlineData(1024, 4096, MemoryProfile.Small)]
    [InlineData(2048, 1536, MemoryProfile.Small)]
    [InlineData(2048, 8192, MemoryProfile.Balanced)]
    [InlineData(4096, 6144, MemoryProfile.Balanced)]
    [InlineData(4096, 16384, MemoryProfile.Roomy)]
    public void The_recommendation_follows_the_limit_and_the_hosts_RAM(long limitMiB, long hostMiB, MemoryProfile expected) =>
        MemoryProfiles.Recommend(limitMiB * MiB, hostMiB * MiB).ShouldBe(expected);

    [Fact]
    public void Small_for_a_1_GiB_limit_turns_presence_off_caps_remote_rooms_and_sizes_autotuning_from_the_limit()
    {
        var small = MemoryProfiles.For(MemoryProfile.Small, GiB, 4 * GiB, jemalloc: true);

        small.MemoryLimitBytes.ShouldBe(GiB);
        small.CacheFactor.ShouldBe(0.1);
        small.Presence.ShouldBeFalse();
        small.RemoteRoomComplexityLimit.ShouldBe(1.0);
        small.CacheAutotuning.ShouldBeTrue();
        small.MaxCacheMemoryBytes.ShouldBe(410 * MiB);
        small.TargetCacheMemoryBytes.ShouldBe(307 * MiB);
        small.MinCacheTtlSeconds.ShouldBe(60);
        small.Validate(jemalloc: true, 4 * GiB);
    }

    [Fact]
    public void Without_jemalloc_a_profile_leaves_autotuning_off_and_is_still_valid()
    {
        var balanced = MemoryProfiles.For(MemoryProfile.Balanced, 2 * GiB, 8 * GiB, jemalloc: false);

        balanced.CacheAutotuning.ShouldBeFalse();
        balanced.MaxCacheMemoryBytes.ShouldBeNull();
        balanced.Validate(jemalloc: false, 8 * GiB);
    }

    [Fact]
    public void A_limit_above_what_the_host_can_give_is_brought_down_to_three_quarters_of_its_RAM()
    {
        MemoryProfiles.For(MemoryProfile.Roomy, 16 * GiB, 8 * GiB, jemalloc: true).MemoryLimitBytes.ShouldBe(6 * GiB);
    }

    [Fact]
    public void Every_option_says_what_it_trades_and_exactly_one_is_recommended()
    {
        var options = MemoryProfiles.Options(GiB, 4 * GiB, jemalloc: true);

        options.Select(o => o.Profile).ShouldBe([MemoryProfile.Small, MemoryProfile.Balanced, MemoryProfile.Roomy]);
        options.ShouldAllBe(o => o.Trade.Length > 40 && o.Summary.Contains("Limit 1 GiB"));
        options.Single(o => o.Recommended).Profile.ShouldBe(MemoryProfile.Small);
        options[0].Summary.ShouldContain("rooms up to 500 state events");
    }

    [Fact]
    public void A_limit_below_Synapses_floor_is_refused_with_the_number_that_fits()
    {
        var tiny = MemoryProfiles.For(MemoryProfile.Small, GiB, 4 * GiB, jemalloc: true) with { MemoryLimitBytes = 128 * MiB };

        Should.Throw<DomainException>(() => tiny.Validate(jemalloc: true)).Message.ShouldContain("at least 256 MiB");
    }

    [Fact]
    public void Autotuning_without_jemalloc_is_refused()
    {
        var tuned = MemoryProfiles.For(MemoryProfile.Small, GiB, 4 * GiB, jemalloc: true);

        Should.Throw<DomainException>(() => tuned.Validate(jemalloc: false)).Message.ShouldContain("needs jemalloc");
    }

    [Theory]
    [InlineData(0.01, 10_000, null)]
    [InlineData(0.5, 10, null)]
    [InlineData(0.5, 10_000, 0.0)]
    public void Nonsense_custom_settings_are_refused(double factor, int events, double? complexity)
    {
        var custom = MemorySettings.Generated(GiB, factor) with { EventCacheSize = events, RemoteRoomComplexityLimit = complexity };

        Should.Throw<DomainException>(() => custom.Validate(jemalloc: true));
    }

    [Fact]
    public void An_autotuning_maximum_at_or_above_the_limit_is_refused()
    {
        var tuned = MemoryProfiles.For(MemoryProfile.Small, GiB, 4 * GiB, jemalloc: true) with { MaxCacheMemoryBytes = GiB };

        Should.Throw<DomainException>(() => tuned.Validate(jemalloc: true)).Message.ShouldContain("below the limit");
    }

    [Fact]
    public void The_complexity_error_names_the_largest_room_users_may_join() =>
        MemoryProfiles.ComplexityError(1.0).ShouldContain("more than 500 state events");

    [Fact]
    public void After_an_out_of_memory_kill_the_next_lighter_profile_at_the_same_limit_is_suggested()
    {
        var roomy = MemoryProfiles.For(MemoryProfile.Roomy, GiB, 8 * GiB, jemalloc: true);

        var advice = MemoryProfiles.AfterOutOfMemory(roomy, GiB, 8 * GiB, jemalloc: true);

        advice.Profile.ShouldBe(MemoryProfile.Balanced);
        advice.Settings!.MemoryLimitBytes.ShouldBe(GiB);
        advice.Text.ShouldStartWith("Balanced would have fitted better in 1 GiB");
        MemoryProfiles.AfterOutOfMemory(MemorySettings.Generated(GiB, 0.5), GiB, 8 * GiB, true).Profile.ShouldBe(MemoryProfile.Small, "the pre-profile config is heavier than Small");
    }

    [Fact]
    public void Once_at_Small_a_higher_limit_is_suggested_where_the_machine_has_it_and_plain_advice_where_not()
    {
        var small = MemoryProfiles.For(MemoryProfile.Small, GiB, 4 * GiB, jemalloc: true);

        var raise = MemoryProfiles.AfterOutOfMemory(small, GiB, 4 * GiB, jemalloc: true);
        raise.Profile.ShouldBe(MemoryProfile.Small);
        raise.Settings!.MemoryLimitBytes.ShouldBe(1536 * MiB, "a third more than the peak, in steps of 256 MiB");

        var none = MemoryProfiles.AfterOutOfMemory(small, GiB, 1536 * MiB, jemalloc: true);
        none.Profile.ShouldBeNull();
        none.Text.ShouldContain("move to a machine with more memory");
    }
}
