using System.Globalization;
using System.Text.RegularExpressions;

namespace Panel.Bench;

/// <summary>What /proc says about a process: its CPU seconds and its memory (PSS, by mapping).</summary>
public static partial class ProcessProbes
{
    /// <summary>CPU seconds (user + system) a process spends over a window.</summary>
    public static async Task<double> CpuOverAsync(int pid, TimeSpan window)
    {
        var before = CpuSeconds(pid);
        await Task.Delay(window);
        return CpuSeconds(pid) - before;
    }

    public static double CpuSeconds(int pid)
    {
        // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static (long Pss, long PssAnon, long Rss) Smaps(int pid)
    {
        long pss = 0, anon = 0, rss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var kb))
            {
                continue;
            }

            switch (parts[0])
            {
                case "Pss:": pss = kb * 1024; break;
                case "Pss_Anon:": anon = kb * 1024; break;
                case "Rss:": rss = kb * 1024; break;
            }
        }

        return (pss, anon, rss);
    }

    /// <summary>PSS in its parts (smaps_rollup): anonymous, file-backed (clean code and data, reclaimable), shared memory (the runtime's double-mapped loader heaps).</summary>
    public static (long Pss, long Anon, long File, long Shmem) PssParts(int pid)
    {
        var parts = File.ReadLines($"/proc/{pid}/smaps_rollup")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 2 && long.TryParse(p[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture) * 1024, StringComparer.Ordinal);
        return (parts.GetValueOrDefault("Pss:"), parts.GetValueOrDefault("Pss_Anon:"), parts.GetValueOrDefault("Pss_File:"), parts.GetValueOrDefault("Pss_Shmem:"));
    }

    /// <summary>
    /// PSS per mapped file (and anonymous memory) from /proc/&lt;pid&gt;/smaps, largest first: where the
    /// panel's memory goes, for whoever tunes it next.
    /// </summary>
    public static void WriteBreakdown(int pid, string path)
    {
        var totals = new Dictionary<string, (long Pss, long Anon)>(StringComparer.Ordinal);
        var current = "[anonymous]";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (MappingHeader().Match(line) is { Success: true } header)
            {
                current = header.Groups[1].Value.Trim() is { Length: > 0 } name ? name : "[anonymous]";
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] is "Pss:" or "Anonymous:" && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var kb))
            {
                var (pss, anon) = totals.GetValueOrDefault(current);
                totals[current] = parts[0] == "Pss:" ? (pss + kb, anon) : (pss, anon + kb);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, totals.OrderByDescending(t => t.Value.Pss).Select(t =>
            string.Create(CultureInfo.InvariantCulture, $"{t.Value.Pss / 1024.0,9:0.0} MiB PSS {t.Value.Anon / 1024.0,9:0.0} MiB anonymous  {t.Key}")));
    }

    [GeneratedRegex(@"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")]
    private static partial Regex MappingHeader();
}
