using Panel.Domain.Containers;
using Panel.Domain.Monitoring;

namespace Panel.Domain.Tests.Monitoring;

public sealed class MetricBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 10, 15, 0, TimeSpan.Zero);

    private static ContainerStatsSample Sample(int second, double cpu, long memory, long rx = 0, long tx = 0) =>
        new(T0.AddSeconds(second), cpu, memory, 1000, rx, tx, 0, 0);

    [Fact]
    public void Add_keeps_min_average_and_max()
    {
        var bucket = MetricBucket.Open("homeserver", MetricResolution.Minute, T0.AddSeconds(30));

        bucket.Add(Sample(1, 10, 100), default);
        bucket.Add(Sample(2, 30, 300), default);
        bucket.Add(Sample(3, 20, 200), default);

        bucket.Start.ShouldBe(T0);
        bucket.Count.ShouldBe(3);
        (bucket.CpuMin, bucket.CpuAvg, bucket.CpuMax).ShouldBe((10.0, 20.0, 30.0));
        (bucket.MemoryMin, bucket.MemoryAvg, bucket.MemoryMax).ShouldBe((100L, 200L, 300L));
        bucket.MemoryLimit.ShouldBe(1000);
    }

    [Fact]
    public void Merge_weights_averages_by_sample_count()
    {
        var a = MetricBucket.Open("k", MetricResolution.Minute, T0);
        a.Add(Sample(0, 10, 100), default);
        var b = MetricBucket.Open("k", MetricResolution.Minute, T0.AddMinutes(1));
        b.Add(Sample(60, 40, 400), default);
        b.Add(Sample(61, 40, 400), default);
        b.Add(Sample(62, 40, 400), default);
        var hour = MetricBucket.Open("k", MetricResolution.Hour, T0);

        hour.Merge(a);
        hour.Merge(b);

        hour.Start.ShouldBe(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero));
        hour.Count.ShouldBe(4);
        hour.CpuAvg.ShouldBe(32.5);
        hour.MemoryAvg.ShouldBe(325);
        (hour.CpuMin, hour.CpuMax, hour.MemoryMin, hour.MemoryMax).ShouldBe((10.0, 40.0, 100L, 400L));
    }

    [Fact]
    public void Merge_of_an_empty_bucket_changes_nothing()
    {
        var hour = MetricBucket.Open("k", MetricResolution.Hour, T0);
        var minute = MetricBucket.Open("k", MetricResolution.Minute, T0);
        minute.Add(Sample(0, 5, 50), default);
        hour.Merge(minute);

        hour.Merge(MetricBucket.Open("k", MetricResolution.Minute, T0));

        hour.Count.ShouldBe(1);
        hour.CpuAvg.ShouldBe(5);
    }

    [Fact]
    public void Traffic_is_the_difference_between_samples_and_a_counter_reset_starts_again()
    {
        var bucket = MetricBucket.Open("k", MetricResolution.Minute, T0);
        var s1 = Sample(0, 0, 0, rx: 1000, tx: 500);
        var s2 = Sample(1, 0, 0, rx: 1500, tx: 700);
        var s3 = Sample(2, 0, 0, rx: 200, tx: 50); // the container restarted: counters from zero

        bucket.Add(s1, TrafficDelta.Between(null, s1));
        bucket.Add(s2, TrafficDelta.Between(s1, s2));
        bucket.Add(s3, TrafficDelta.Between(s2, s3));

        bucket.NetworkRxBytes.ShouldBe(500 + 200);
        bucket.NetworkTxBytes.ShouldBe(200 + 50);
    }

    [Theory]
    [InlineData(MetricResolution.Minute, "2026-11-29T10:15:00Z")]
    [InlineData(MetricResolution.Hour, "2026-11-29T10:00:00Z")]
    [InlineData(MetricResolution.Day, "2026-11-29T00:00:00Z")]
    public void Start_of_aligns_to_the_resolution(MetricResolution resolution, string expected) =>
        MetricBucket.StartOf(new DateTimeOffset(2026, 11, 29, 12, 15, 42, TimeSpan.FromHours(2)), resolution).ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("1h", MetricResolution.Minute)]
    [InlineData("24h", MetricResolution.Minute)]
    [InlineData("30d", MetricResolution.Hour)]
    [InlineData("365d", MetricResolution.Day)]
    public void Every_range_is_served_by_a_resolution_that_is_kept_long_enough(string range, MetricResolution resolution)
    {
        var (r, span) = MetricRetention.ForRange(range)!.Value;

        r.ShouldBe(resolution);
        MetricRetention.For(r).ShouldBeGreaterThan(span);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("7d")]
    [InlineData("")]
    public void Unknown_ranges_are_not_served(string? range) => MetricRetention.ForRange(range).ShouldBeNull();
}
