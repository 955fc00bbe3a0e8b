using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class MemoryChangeTests
{
    private const long MiB = 1024L * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static MemoryWindow Window(DateTimeOffset from, long medianMiB, long? requests = 600, long? syncs = 300, int? rooms = 10, int samples = 60, TimeSpan? length = null) =>
        new(from, from + (length ?? TimeSpan.FromHours(1)), samples, medianMiB * MiB, (medianMiB + 20) * MiB, requests, syncs, rooms);

    [Fact]
    public void A_window_takes_the_median_and_the_95th_percentile_of_its_samples()
    {
        var samples = Enumerable.Range(1, 100).Select(i => i * MiB).ToList();

        var window = MemoryWindow.Of(T0, T0.AddMinutes(10), samples, 50, 20, 3)!;

        window.MedianBytes.ShouldBe(50 * MiB);
        window.P95Bytes.ShouldBe(95 * MiB);
        window.Samples.ShouldBe(100);
        window.RequestsPerMinute.ShouldBe(5);
    }

    [Fact]
    public void A_window_without_samples_is_none() => MemoryWindow.Of(T0, T0.AddMinutes(1), [], null, null, null).ShouldBeNull();

    [Fact]
    public void The_effect_is_after_minus_before_in_bytes_and_percent_and_says_so_in_one_sentence()
    {
        var before = Window(T0.AddHours(-1), 400);
        var after = Window(T0.AddMinutes(5), 300);

        var effect = MemoryEffect.Between(before, after);

        effect.MedianDeltaBytes.ShouldBe(-100 * MiB);
        effect.MedianDeltaPercent.ShouldBe(-25);
        effect.Comparability.Comparable.ShouldBeTrue();
        effect.Describe(before, after).ShouldBe("Median 400 MiB → 300 MiB (−100 MiB, −25 %); p95 420 MiB → 320 MiB (−100 MiB, −24 %).");
    }

    [Fact]
    public void Windows_with_different_load_are_not_comparable_and_say_why()
    {
        var before = Window(T0.AddHours(-1), 400, requests: 600, syncs: 300, rooms: 10);
        var after = Window(T0.AddMinutes(5), 300, requests: 1800, syncs: 310, rooms: 14);

        var comparability = Comparability.Of(before, after);

        comparability.Comparable.ShouldBeFalse();
        comparability.Reasons.ShouldBe(["requests went from 10 to 30 a minute", "rooms went from 10 to 14"]);
        MemoryEffect.Between(before, after).Describe(before, after).ShouldEndWith("Not comparable: requests went from 10 to 30 a minute; rooms went from 10 to 14.");
    }

    [Fact]
    public void Idle_windows_are_comparable_and_short_or_thin_ones_are_not()
    {
        Comparability.Of(Window(T0, 100, requests: 20, syncs: 0), Window(T0.AddHours(2), 90, requests: 40, syncs: 0)).Comparable.ShouldBeTrue("under one request a minute is idle");
        Comparability.Of(Window(T0, 100), Window(T0.AddHours(2), 90, samples: 4)).Reasons.ShouldContain("few samples (60 before, 4 after)");
        Comparability.Of(Window(T0, 100), Window(T0.AddHours(2), 90, length: TimeSpan.FromMinutes(20))).Reasons.ShouldContain("the window after is shorter (20 min against 60 min)");
        Comparability.Of(Window(T0, 100, samples: 20), Window(T0.AddHours(2), 90)).Reasons.ShouldContain("the samples cover only part of one window (20 before, 60 after)");
    }

    [Fact]
    public void The_window_after_starts_once_Synapse_has_warmed_up_and_lasts_as_long_as_the_one_before()
    {
        var change = MemoryChange.Applied(MemoryProfile.Custom, MemoryProfile.Small, "small", T0, T0.AddSeconds(8), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), Window(T0.AddHours(-1), 400));

        change.AfterFrom.ShouldBe(T0.AddSeconds(8).AddMinutes(5));
        change.AfterTo.ShouldBe(change.AfterFrom.AddHours(1));
        change.IsDue(change.AfterTo.AddSeconds(-1)).ShouldBeFalse();
        change.IsDue(change.AfterTo).ShouldBeTrue();

        change.Measure(Window(change.AfterFrom, 300));

        change.Status.ShouldBe(MemoryChangeStatus.Measured);
        change.Effect!.MedianDeltaBytes.ShouldBe(-100 * MiB);
        change.IsDue(change.AfterTo.AddHours(1)).ShouldBeFalse();
        Should.Throw<DomainException>(() => change.Measure(null));
    }

    [Fact]
    public void A_change_without_samples_before_says_there_is_nothing_to_compare_with()
    {
        var change = MemoryChange.Applied(MemoryProfile.Custom, MemoryProfile.Small, "small", T0, T0, TimeSpan.FromHours(1), TimeSpan.Zero, before: null);

        change.Note.ShouldBe("The panel has no memory samples from before this change, so there is nothing to compare it with.");
        change.Measure(Window(T0, 300));
        change.Effect.ShouldBeNull();
    }

    [Fact]
    public void A_change_cut_short_by_the_next_one_keeps_what_was_measured_and_says_why()
    {
        var change = MemoryChange.Applied(MemoryProfile.Custom, MemoryProfile.Small, "small", T0, T0, TimeSpan.FromHours(1), TimeSpan.Zero, Window(T0.AddHours(-1), 400));

        change.CutShort("The next change (Balanced) came before this window ended.", Window(T0, 350, length: TimeSpan.FromMinutes(10)));

        change.Status.ShouldBe(MemoryChangeStatus.CutShort);
        change.Note.ShouldBe("The next change (Balanced) came before this window ended.");
        change.Effect!.Comparability.Reasons.ShouldContain("the window after is shorter (10 min against 60 min)");
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(60 * 60 * 25, 0)]
    [InlineData(3600, -1)]
    public void Windows_and_warm_ups_outside_their_bounds_are_refused(int windowSeconds, int warmUpSeconds) =>
        Should.Throw<DomainException>(() => MemoryChange.Applied(MemoryProfile.Custom, MemoryProfile.Small, "small", T0, T0,
            TimeSpan.FromSeconds(windowSeconds), TimeSpan.FromSeconds(warmUpSeconds), null));

    [Fact]
    public void Activity_since_the_last_reading_is_the_difference_or_all_of_it_after_a_restart()
    {
        var first = new HomeserverActivity(T0, 100, 40);

        new HomeserverActivity(T0, 130, 50).Since(first).ShouldBe((30L, 10L));
        new HomeserverActivity(T0.AddMinutes(3), 7, 2).Since(first).ShouldBe((7L, 2L), "a new process counts from zero");
        first.Since(null).ShouldBe((0L, 0L), "nothing is known before the first reading");
    }
}
