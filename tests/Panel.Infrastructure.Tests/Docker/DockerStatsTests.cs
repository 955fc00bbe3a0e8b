using System.Text;
using Panel.Infrastructure.Docker;

namespace Panel.Infrastructure.Tests.Docker;

public sealed class DockerStatsTests
{
    // A reading as Docker 20.10 sends it on cgroup v1 (taken from this machine's engine; the id shortened).
    private const string CgroupV1Reading =
        """{"read":"2026-12-01T09:20:32.700427257Z","preread":"2026-12-01T09:20:31.673711966Z","pids_stats":{"current":1},"blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":8192},{"major":8,"minor":0,"op":"Sync","value":12288},{"major":8,"minor":0,"op":"Total","value":12288}],"io_serviced_recursive":[],"io_queue_recursive":[],"io_service_time_recursive":[],"io_wait_time_recursive":[],"io_merged_recursive":[],"io_time_recursive":[],"sectors_recursive":[]},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":1500000000,"percpu_usage":[750000000,750000000],"usage_in_kernelmode":10000000,"usage_in_usermode":10000000},"system_cpu_usage":102000000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":1000000000,"percpu_usage":[500000000,500000000],"usage_in_kernelmode":10000000,"usage_in_usermode":10000000},"system_cpu_usage":100000000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{"usage":100000,"max_usage":4079616,"stats":{"active_anon":4096,"inactive_file":10000,"total_inactive_file":30000,"active_file":1000,"total_active_file":5000,"total_rss":110592},"limit":25275990016},"name":"/frame-probe","id":"4e50b8d4df66","networks":{"eth0":{"rx_bytes":516,"rx_packets":6,"tx_bytes":100},"eth1":{"rx_bytes":1000,"tx_bytes":20}}}""";

    // cgroup v2 (Docker 23+): no percpu_usage, no total_ figures, blkio lists may be null.
    private const string CgroupV2Reading =
        """{"read":"2026-12-01T09:20:32.7Z","preread":"2026-12-01T09:20:31.6Z","pids_stats":{"current":3,"limit":4611686018427387903},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":100,"usage_in_kernelmode":0,"usage_in_usermode":100},"system_cpu_usage":400,"online_cpus":4,"throttling_data":{"periods":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"system_cpu_usage":0,"online_cpus":4},"memory_stats":{"usage":100000,"stats":{"anon":80000,"inactive_file":10000,"active_file":7000},"limit":1073741824},"name":"/v2","id":"abc"}""";

    // A stopped container's stream keeps sending zeroed readings.
    private const string StoppedReading =
        """{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0}},"precpu_stats":{"cpu_usage":{"total_usage":0},"throttling_data":{"periods":0}},"memory_stats":{},"name":"/gone","id":"def"}""";

    [Fact]
    public void CPU_percent_is_CPU_delta_over_system_delta_times_online_cpus_times_100()
    {
        var sample = DockerStats.ToSample(Parse(CgroupV1Reading));

        // 0.5 s of CPU in 2 s of system time on 2 CPUs: 0.5 / 2 * 2 * 100 = 50 %
        sample.CpuPercent.ShouldBe(50.0);
    }

    [Fact]
    public void CPU_percent_falls_back_to_the_per_CPU_count_when_online_cpus_is_missing()
    {
        var reading = Parse(CgroupV1Reading.Replace("\"online_cpus\":2,", "", StringComparison.Ordinal));

        reading.Cpu.OnlineCpus.ShouldBeNull();
        reading.Cpu.PerCpuCount.ShouldBe(2);
        DockerStats.CpuPercent(reading.Cpu, reading.PreviousCpu).ShouldBe(50.0);
    }

    [Fact]
    public void CPU_percent_is_zero_on_the_first_reading_or_without_system_progress()
    {
        var first = Parse(CgroupV1Reading.Replace("\"system_cpu_usage\":102000000000", "\"system_cpu_usage\":100000000000", StringComparison.Ordinal));
        DockerStats.CpuPercent(first.Cpu, first.PreviousCpu).ShouldBe(0);
        DockerStats.CpuPercent(new CpuReading(), new CpuReading()).ShouldBe(0);
    }

    [Fact]
    public void Memory_on_cgroup_v1_subtracts_the_whole_page_cache_total_inactive_and_active_file() =>
        DockerStats.MemoryUsage(Parse(CgroupV1Reading)).ShouldBe(65_000);

    [Fact]
    public void Memory_on_cgroup_v2_subtracts_the_whole_page_cache_inactive_and_active_file() =>
        DockerStats.MemoryUsage(Parse(CgroupV2Reading)).ShouldBe(83_000);

    [Fact]
    public void Memory_without_cache_figures_is_the_usage() =>
        DockerStats.MemoryUsage(Parse("""{"read":"2026-12-01T09:20:32Z","memory_stats":{"usage":4242,"limit":1}}""")).ShouldBe(4242);

    [Fact]
    public void Network_and_block_IO_are_summed_over_interfaces_and_devices()
    {
        var sample = DockerStats.ToSample(Parse(CgroupV1Reading));

        sample.NetworkRxBytes.ShouldBe(1516);
        sample.NetworkTxBytes.ShouldBe(120);
        sample.BlockReadBytes.ShouldBe(4096);
        sample.BlockWriteBytes.ShouldBe(8192);
        sample.MemoryLimitBytes.ShouldBe(25275990016);
    }

    [Fact]
    public void Cgroup_v2_reading_with_null_lists_parses()
    {
        var sample = DockerStats.ToSample(Parse(CgroupV2Reading));

        sample.CpuPercent.ShouldBe(100.0); // 100 of 400 on 4 CPUs
        sample.BlockReadBytes.ShouldBe(0);
        sample.NetworkRxBytes.ShouldBe(0);
        sample.Time.ShouldBe(new DateTimeOffset(2026, 12, 1, 9, 20, 32, 700, TimeSpan.Zero));
    }

    [Fact]
    public void Read_time_keeps_nanosecond_timestamps_to_the_tick()
    {
        var read = Parse(CgroupV1Reading).Read;

        (read - new DateTimeOffset(2026, 12, 1, 9, 20, 32, TimeSpan.Zero).AddTicks(7_004_272)).Duration().ShouldBeLessThanOrEqualTo(TimeSpan.FromTicks(1));
        read.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void A_stopped_containers_reading_is_a_gap()
    {
        DockerStats.IsGap(Parse(StoppedReading)).ShouldBeTrue();
        DockerStats.IsGap(Parse(CgroupV1Reading)).ShouldBeFalse();
    }

    [Fact]
    public async Task The_stream_is_split_into_readings_whatever_the_chunks_are_and_how_long_the_readings_get()
    {
        // A many-CPU host makes readings longer than the reader's first buffer.
        var manyCpus = CgroupV1Reading.Replace("[750000000,750000000]", "[" + string.Join(',', Enumerable.Repeat("12345678901", 3000)) + "]", StringComparison.Ordinal);
        var text = CgroupV1Reading + "\n" + manyCpus + "\r\n\n" + StoppedReading + "\n" + CgroupV2Reading + "\n";
        await using var stream = new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk: 777);

        var readings = new List<StatsReading>();
        await foreach (var reading in DockerStats.ReadAsync(stream, TestContext.Current.CancellationToken))
        {
            readings.Add(reading);
        }

        readings.Count.ShouldBe(4);
        readings[1].Cpu.PerCpuCount.ShouldBe(3000);
        DockerStats.IsGap(readings[2]).ShouldBeTrue();
        readings[3].Cpu.OnlineCpus.ShouldBe(4u);
    }

    private static StatsReading Parse(string json) => DockerStatsParser.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Hands out at most <c>chunk</c> bytes a read, like a chunked HTTP body.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            buffer.Length.ShouldBeGreaterThan(0, "a zero-byte read would throw on the engine client's chunked stream");
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
        }
    }
}
