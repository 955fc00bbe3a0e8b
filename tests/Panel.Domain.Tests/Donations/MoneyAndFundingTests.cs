using Panel.Domain.Common;
using Panel.Domain.Donations;

namespace Panel.Domain.Tests.Donations;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(500, "eur", "€5.00")]
    [InlineData(123456, "usd", "$1,234.56")]
    [InlineData(500, "jpy", "¥500")]
    [InlineData(1000, "krw", "₩1,000")]
    [InlineData(250, "chf", "2.50 CHF")]
    [InlineData(-300, "gbp", "£-3.00")]
    public void Formats_respect_zero_decimal_currencies(long minor, string currency, string expected) =>
        new Money(minor, currency).ToString().ShouldBe(expected);

    [Fact]
    public void From_major_uses_the_currencys_minor_units()
    {
        Money.FromMajor(7.5m, "eur").Minor.ShouldBe(750);
        Money.FromMajor(500m, "jpy").Minor.ShouldBe(500);
        Should.Throw<DomainException>(() => Money.FromMajor(1.234m, "eur"));
        Should.Throw<DomainException>(() => Money.FromMajor(1.5m, "jpy"));
    }

    [Fact]
    public void Unknown_currencies_are_refused() => Should.Throw<DomainException>(() => Money.NormalizeCurrency("xyz"));
}

public sealed class FundingTests
{
    private static readonly DateTimeOffset November = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static DonationSettings Settings()
    {
        var s = DonationSettings.Default();
        s.Change("eur", [500], 100, 100_000, [new CostLine("VPS", 2000, CostPeriod.Monthly), new CostLine("Domain", 1200, CostPeriod.Yearly)], null, [], true);
        return s;
    }

    private static LedgerEntry Donation(long minor, DateTimeOffset at, LedgerEntryType type = LedgerEntryType.Donation) =>
        LedgerEntry.Payment(type, LedgerStatus.Succeeded, new Money(minor, "eur"), at, Guid.NewGuid().ToString(), null, "pi_" + Guid.NewGuid().ToString("N"), null, null, null, null, false);

    [Fact]
    public void Yearly_costs_count_as_their_monthly_share() => Settings().MonthlyCostsMinor.ShouldBe(2100);

    [Fact]
    public void Compute_counts_only_the_month_and_adds_pledges_without_counting_monthly_payments_twice()
    {
        var entries = new[]
        {
            Donation(500, November.AddDays(3)),
            Donation(700, November.AddDays(4), LedgerEntryType.MonthlyPayment),
            Donation(9999, November.AddSeconds(-1)),
            LedgerEntry.Reversal(LedgerEntryType.Refund, new Money(200, "eur"), November.AddDays(5), "e", "pi_x", "ch_x", counted: true),
            LedgerEntry.Reversal(LedgerEntryType.Refund, new Money(50, "eur"), November.AddDays(5), "e2", "pi_y", "ch_y", counted: false),
        };
        var pledges = new[] { Pledge.Start("sub_1", new Money(700, "eur"), null, false, November) };

        var report = Funding.Compute(entries, pledges, Settings(), November);

        report.Month.ShouldBe("2026-11");
        report.ReceivedMinor.ShouldBe(500 + 700 - 200);
        report.PledgedMonthlyMinor.ShouldBe(700);
        report.CoveredMinor.ShouldBe(500 - 200 + 700);
        report.CostsMinor.ShouldBe(2100);
        report.PercentCovered.ShouldBe(47);
    }

    [Fact]
    public void Runway_is_the_surplus_so_far_in_months_of_costs()
    {
        var entries = new[] { Donation(10_500, November.AddMonths(-1)), Donation(2_100, November) };

        Funding.MonthsOfRunway(entries, Settings(), November.AddDays(10)).ShouldBe(4.0);
        Funding.MonthsOfRunway([], Settings(), November).ShouldBe(0);
    }

    [Fact]
    public void Settings_refuse_nonsense()
    {
        var s = DonationSettings.Default();
        Should.Throw<DomainException>(() => s.Change("eur", [50], 100, 1000, [], null, [], true));
        Should.Throw<DomainException>(() => s.Change("eur", [], 1000, 100, [], null, [], true));
        Should.Throw<DomainException>(() => s.Change("eur", [], 100, 1000, [], null, [new ExternalLink("x", "http://insecure.example")], true));
        Should.Throw<DomainException>(() => s.Validate(500, "usd"));
    }
}
