using Docker.DotNet.Models;
using Panel.Infrastructure.Docker;

namespace Panel.Infrastructure.Tests.Docker;

public sealed class DockerStatsTests
{
    [Fact]
    public void CpuPercent_IsCpuDeltaOverSystemDeltaTimesOnlineCpusTimes100()
    {
        var previous = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 1_000_000_000 }, SystemUsage = 100_000_000_000, OnlineCPUs = 2 };
        var current = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 1_500_000_000 }, SystemUsage = 102_000_000_000, OnlineCPUs = 2 };

        // 0.5 s of CPU in 2 s of system time on 2 CPUs: 0.5 / 2 * 2 * 100 = 50 %
        DockerStats.CpuPercent(current, previous).ShouldBe(50.0);
    }

    [Fact]
    public void CpuPercent_FallsBackToThePerCpuCount_WhenOnlineCpusIsMissing()
    {
        var previous = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 0, PercpuUsage = [0, 0, 0, 0] }, SystemUsage = 0 };
        var current = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 100, PercpuUsage = [25, 25, 25, 25] }, SystemUsage = 400 };

        DockerStats.CpuPercent(current, previous).ShouldBe(100.0);
    }

    [Fact]
    public void CpuPercent_IsZero_OnTheFirstReadingOrWithoutSystemProgress()
    {
        DockerStats.CpuPercent(new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 5 }, SystemUsage = 10 }, new CPUStats { CPUUsage = new CPUUsage(), SystemUsage = 10 }).ShouldBe(0);
        DockerStats.CpuPercent(null, null).ShouldBe(0);
    }

    [Fact]
    public void Memory_OnCgroupV1_SubtractsTotalInactiveFile() =>
        DockerStats.MemoryUsage(new MemoryStats { Usage = 100_000, Stats = new Dictionary<string, ulong> { ["total_inactive_file"] = 30_000, ["inactive_file"] = 10_000 } }).ShouldBe(70_000);

    [Fact]
    public void Memory_OnCgroupV2_SubtractsInactiveFile() =>
        DockerStats.MemoryUsage(new MemoryStats { Usage = 100_000, Stats = new Dictionary<string, ulong> { ["inactive_file"] = 10_000 } }).ShouldBe(90_000);

    [Fact]
    public void Memory_WithoutCacheFigures_IsTheUsage() =>
        DockerStats.MemoryUsage(new MemoryStats { Usage = 4242 }).ShouldBe(4242);
}
