using Panel.Testing;
using Panel.Testing.Workload;

namespace Panel.Bench;

/// <summary>
/// P8: the capacity forecast's error on the real Synapse. The server grows one room at a time
/// (GrowthSteps); before each room after the first, the panel forecasts what it will cost, and the
/// room is then made and measured. Every step is reported; the budget is on the largest.
/// </summary>
public static class Forecast
{
    public static async Task<BenchResult> ErrorAsync(HomeserverPanel panel, bool quick)
    {
        int[] sizes = quick ? [50, 150, 300, 600] : [100, 300, 600, 1200];
        await using var steps = await GrowthSteps.StartAsync(panel, Measures.ServerName, sizes[^1]);
        var before = await steps.GrowAsync(sizes[0]);
        var details = new Dictionary<string, double>();
        double lastError = double.NaN;
        foreach (var size in sizes.Skip(1))
        {
            var forecast = await steps.ForecastRoomAsync(size);
            var after = await steps.GrowAsync(size);
            var taken = after - before;
            var predicted = forecast.TotalBytes / 1048576.0;
            lastError = Math.Abs(predicted - taken) / Math.Max(1, Math.Abs(taken)) * 100;
            Console.WriteLine($"[P8] room of {size}: forecast {predicted:0.0} MiB (± {forecast.UncertaintyBytes / 1048576.0:0.0}), taken {taken:0.0} MiB, error {lastError:0} % (Synapse {before:0.0} → {after:0.0} MiB)");
            details[$"room of {size}: forecast MiB"] = predicted;
            details[$"room of {size}: taken MiB"] = taken;
            details[$"room of {size}: error %"] = lastError;
            before = after;
        }

        return new BenchResult("P8", $"forecast error, room of {sizes[^1]}", lastError, "%", "-", null, null, "<= 25 % at the largest", lastError <= 25, details);
    }
}
