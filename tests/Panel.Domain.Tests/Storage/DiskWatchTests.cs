using Panel.Domain.Storage;

namespace Panel.Domain.Tests.Storage;

public sealed class DiskWatchTests
{
    private const long GiB = 1024L * 1024 * 1024;

    [Fact]
    public void Plenty_of_free_space_that_is_not_filling_up_raises_nothing()
    {
        DiskWatch.Evaluate(50 * GiB, 100 * GiB, null, 10, [new Reclaimable("remote media", GiB)]).ShouldBeNull();
        DiskWatch.Evaluate(50 * GiB, 100 * GiB, 200, 10, []).ShouldBeNull();
    }

    [Fact]
    public void Low_free_space_names_the_biggest_thing_to_take_back_with_its_saving()
    {
        var alert = DiskWatch.Evaluate(5 * GiB, 100 * GiB, null, 10,
            [new Reclaimable("cached remote media unused for 30 days", 3 * GiB), new Reclaimable("room #huge (no local members)", GiB)])!;

        alert.Title.ShouldBe("Disk almost full");
        alert.Message.ShouldContain("Only 5 GiB of 100 GiB is free");
        alert.Message.ShouldContain("cached remote media unused for 30 days, about 3 GiB");
    }

    [Fact]
    public void A_disk_that_fills_within_two_weeks_warns_before_it_is_low()
    {
        var alert = DiskWatch.Evaluate(40 * GiB, 100 * GiB, 9.6, 10, [])!;

        alert.Title.ShouldBe("Disk filling up");
        alert.Message.ShouldContain("full in 10 days");
        alert.Message.ShouldContain("Nothing the panel can purge");
    }

    [Fact]
    public void Without_a_reading_of_the_disk_there_is_no_alert() =>
        DiskWatch.Evaluate(null, null, 1, 10, []).ShouldBeNull();
}
