using System.Globalization;
using System.Text.Json;

namespace Panel.Bench;

/// <summary>One measure: its figure, the baseline's figure from the same run, their ratio, and the budget.</summary>
public sealed record BenchResult(
    string Id,
    string Name,
    double Value,
    string Unit,
    string Baseline,
    double? BaselineValue,
    double? Ratio,
    string Budget,
    bool Pass,
    IReadOnlyDictionary<string, double> Details);

public static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Print(IReadOnlyList<BenchResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"id",-3} {"measure",-44} {"value",12} {"baseline",12} {"ratio",7}  {"budget",-22} ok");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Id,-3} {r.Name,-44} {Format(r.Value, r.Unit),12} {(r.BaselineValue is { } b ? Format(b, r.Unit) : "-"),12} {(r.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "-"),7}  {r.Budget,-22} {(r.Pass ? "yes" : "NO")}"));
            foreach (var (key, value) in r.Details)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      {key}: {value:0.###}"));
            }
        }

        Console.WriteLine();
    }

    public static void Write(IReadOnlyList<BenchResult> results, bool quick, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var document = new
        {
            when = DateTimeOffset.UtcNow,
            quick,
            machine = new { cores = Environment.ProcessorCount, memoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes },
            results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json));
        Console.WriteLine($"written to {path}");
    }

    private static string Format(double value, string unit) => unit switch
    {
        "bytes" => string.Create(CultureInfo.InvariantCulture, $"{value / 1048576:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}"),
    };
}
