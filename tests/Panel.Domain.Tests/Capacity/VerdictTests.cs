using Panel.Domain.Capacity;
using Panel.Domain.Donations;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Capacity;

public sealed class VerdictTests
{
    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;
    private static readonly DateTimeOffset Now = new(2026, 12, 15, 12, 0, 0, TimeSpan.Zero);

    private static DonationSettings Costs(long monthlyMinor)
    {
        var s = DonationSettings.Default();
        s.Change("eur", [500], 100, 100_000, monthlyMinor > 0 ? [new CostLine("VPS", monthlyMinor, CostPeriod.Monthly)] : [], null, [], true);
        return s;
    }

    private static LedgerEntry Donation(long minor, DateTimeOffset at) =>
        LedgerEntry.Payment(LedgerEntryType.Donation, LedgerStatus.Succeeded, new Money(minor, "eur"), at, Guid.NewGuid().ToString(), null, "pi_" + Guid.NewGuid().ToString("N"), null, null, null, null, false);

    [Fact]
    public void Coverage_over_3_and_12_months_counts_donations_against_the_costs_of_those_months_and_sees_the_trend()
    {
        // 10 € a month from June to August, 20 € a month from October to December; costs 20 € a month.
        var entries = new[] { 6, 7, 8 }.Select(m => Donation(1000, new DateTimeOffset(2026, m, 10, 0, 0, 0, TimeSpan.Zero)))
            .Concat(new[] { 10, 11, 12 }.Select(m => Donation(2000, new DateTimeOffset(2026, m, 10, 0, 0, 0, TimeSpan.Zero)))).ToList();

        var outlook = FundingOutlook.Compute(entries, Costs(2000), Now);

        outlook.Last3MonthsMinor.ShouldBe(6000);
        outlook.Coverage3Percent.ShouldBe(100);
        outlook.Last12MonthsMinor.ShouldBe(9000);
        outlook.Coverage12Percent.ShouldBe(37);
        outlook.Trend.ShouldBe(FundingTrend.Rising);
    }

    [Fact]
    public void Without_costs_coverage_is_unknown_not_zero()
    {
        var outlook = FundingOutlook.Compute([Donation(500, Now)], Costs(0), Now);

        outlook.Coverage3Percent.ShouldBeNull();
        outlook.Trend.ShouldBe(FundingTrend.Unknown, "a first donation this month says nothing about a trend");
    }

    [Fact]
    public void Disk_growth_is_the_slope_over_the_readings_and_gives_the_days_until_full()
    {
        var readings = Enumerable.Range(0, 30).Select(d => new SizeReading(Now.AddDays(-30 + d), 10 * GiB + d * 100 * MiB)).ToList();

        var growth = Headroom.GrowthPerDay(readings)!.Value;
        var headroom = new Headroom(4 * GiB, [], 20 * GiB, 30 * GiB, growth, 0.5, 2);

        (growth / MiB).ShouldBe(100, 0.001);
        headroom.DaysUntilFull!.Value.ShouldBe(102.4, 0.01);
        Headroom.GrowthPerDay([readings[0]]).ShouldBeNull("one reading has no slope");
    }

    [Fact]
    public void Synapses_room_is_the_smaller_of_its_limit_and_what_the_host_has_free()
    {
        var headroom = new Headroom(4 * GiB, [new MemoryUse("synapse", 600 * MiB, GiB), new MemoryUse("database", 200 * MiB, null), new MemoryUse("panel", 190 * MiB, null)], null, null, null, null, 2);

        headroom.MemoryFreeBytes.ShouldBe(4 * GiB - 990 * MiB);
        headroom.SynapseRoomBytes("synapse").ShouldBe(424 * MiB, "its limit is the tighter bound");
        Headroom.P95([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100]).ShouldBe(19);
    }

    [Fact]
    public void Keep_it_when_donations_cover_the_costs_and_friends_fit()
    {
        var funding = new FundingOutlook("eur", 2000, 4920, 19000, 82, 79, FundingTrend.Steady, null);

        var verdict = VerdictRules.Decide(new VerdictInputs(funding, 400 * MiB, GiB, GiB, 400, 6, MemoryProfile.Balanced, null, null));

        verdict.Keep.ShouldBeTrue();
        verdict.Sentence.ShouldBe("Keep it: donations cover 82 %, and there is room for about 6 more friends like the current ones.");
        verdict.Reasons.ShouldAllBe(r => r.Link.StartsWith('/'));
    }

    [Fact]
    public void Memory_that_does_not_fit_comes_first_with_the_measured_profile_and_the_costliest_room()
    {
        var funding = new FundingOutlook("eur", 2000, 6000, 24000, 100, 100, FundingTrend.Steady, 2);

        var verdict = VerdictRules.Decide(new VerdictInputs(funding, 980 * MiB, GiB, 100 * MiB, null, 0, MemoryProfile.Balanced, -31, "#matrix:matrix.org"));

        verdict.Keep.ShouldBeFalse();
        verdict.Sentence.ShouldBe("Synapse needs more memory than its limit gives it (980 MiB of 1 GiB at the 95th percentile): apply the Small profile (measured −31 % on this server), or leave the room that costs the most (#matrix:matrix.org).");
        verdict.Reasons[0].Kind.ShouldBe(ReasonKind.Problem);
        verdict.Reasons[0].Link.ShouldBe("/homeserver");
    }

    [Fact]
    public void Unknown_figures_are_reasons_to_enter_or_wait_never_zeros()
    {
        var verdict = VerdictRules.Decide(new VerdictInputs(null, null, null, null, null, null, MemoryProfile.Custom, null, null));

        verdict.Keep.ShouldBeTrue();
        verdict.Reasons.ShouldContain(r => r.Text.Contains("running costs are not entered") && r.Link == "/donations");
        verdict.Reasons.ShouldContain(r => r.Text.Contains("once the panel has watched Synapse"));
        verdict.Sentence.ShouldNotContain(" 0 ");
    }

    [Fact]
    public void A_disk_filling_within_a_month_is_a_problem()
    {
        var verdict = VerdictRules.Decide(new VerdictInputs(null, 200 * MiB, GiB, GiB, 12.5, 3, MemoryProfile.Small, null, null));

        verdict.Keep.ShouldBeFalse();
        verdict.Sentence.ShouldBe("The disk is full in about 12 days at its growth of the last month: take space back.");
    }
}
