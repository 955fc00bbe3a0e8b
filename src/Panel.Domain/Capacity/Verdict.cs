using System.Globalization;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Capacity;

public enum ReasonKind
{
    Good = 0,
    Warning = 1,
    Problem = 2,
}

/// <summary>One reason behind the verdict, with the page where it can be acted on.</summary>
public sealed record VerdictReason(ReasonKind Kind, string Text, string Link);

/// <summary>The answer to "keep self-hosting?" in one sentence, and its reasons.</summary>
public sealed record Verdict(string Sentence, bool Keep, IReadOnlyList<VerdictReason> Reasons);

/// <summary>What the verdict weighs; null where the panel does not know yet.</summary>
public sealed record VerdictInputs(
    FundingOutlook? Funding,
    long? SynapseP95Bytes,
    long? SynapseLimitBytes,
    long? HostMemoryFreeBytes,
    double? DaysUntilDiskFull,
    int? FriendsThatFit,
    MemoryProfile CurrentProfile,
    double? SmallMeasuredPercent,
    string? LargestRoom);

/// <summary>
/// Turns the figures into a verdict: problems first (memory that does not fit, a disk filling up),
/// then who pays and how many more people fit. Only measured figures are used; an unknown figure is
/// a reason to enter or wait for it, never a zero.
/// </summary>
public static class VerdictRules
{
    /// <summary>Synapse's 95th percentile at or above this share of its limit does not fit.</summary>
    public const double TightShare = 0.9;

    public static Verdict Decide(VerdictInputs x)
    {
        var reasons = new List<VerdictReason>();
        Memory(x, reasons);
        Disk(x, reasons);
        Money(x, reasons);
        if (x.FriendsThatFit is { } friends)
        {
            reasons.Add(friends > 0
                ? new VerdictReason(ReasonKind.Good, $"there is room for about {friends} more friend{(friends == 1 ? "" : "s")} like the current ones", "/capacity")
                : new VerdictReason(ReasonKind.Warning, "there is no room for another friend like the current ones without more memory", "/homeserver"));
        }
        else
        {
            reasons.Add(new VerdictReason(ReasonKind.Warning, "how many more people fit is known once the panel has watched Synapse for a while", "/capacity"));
        }

        var problems = reasons.Where(r => r.Kind == ReasonKind.Problem).ToList();
        var sentence = problems.Count > 0
            ? Capital(problems[0].Text) + "."
            : "Keep it: " + Join(reasons.Where(r => r.Kind == ReasonKind.Good).Select(r => r.Text).DefaultIfEmpty("nothing stands against it yet")) + ".";
        return new Verdict(sentence, problems.Count == 0, reasons.OrderByDescending(r => r.Kind).ToList());
    }

    private static void Memory(VerdictInputs x, List<VerdictReason> reasons)
    {
        var tight = x.SynapseP95Bytes is { } p95 && x.SynapseLimitBytes is { } limit && p95 >= limit * TightShare;
        var overHost = x.HostMemoryFreeBytes is < 0;
        if (!tight && !overHost)
        {
            return;
        }

        var fixes = new List<string>();
        if (x.CurrentProfile != MemoryProfile.Small)
        {
            fixes.Add(x.SmallMeasuredPercent is { } pct
                ? string.Create(CultureInfo.InvariantCulture, $"apply the Small profile (measured {pct:+0;−0} % on this server)")
                : "apply the Small profile");
        }

        if (x.LargestRoom is { } room)
        {
            fixes.Add($"leave the room that costs the most ({room})");
        }

        var what = overHost ? "Synapse needs more memory than the host has" : $"Synapse needs more memory than its limit gives it ({new ByteSize(x.SynapseP95Bytes!.Value)} of {new ByteSize(x.SynapseLimitBytes!.Value)} at the 95th percentile)";
        reasons.Add(new VerdictReason(ReasonKind.Problem, fixes.Count == 0 ? what + ": give it more memory or move to a bigger machine" : what + ": " + string.Join(", or ", fixes), "/homeserver"));
    }

    private static void Disk(VerdictInputs x, List<VerdictReason> reasons)
    {
        if (x.DaysUntilDiskFull is not { } days)
        {
            return;
        }

        if (days < 30)
        {
            reasons.Add(new VerdictReason(ReasonKind.Problem, string.Create(CultureInfo.InvariantCulture, $"the disk is full in about {Math.Floor(days):0} days at its growth of the last month: take space back"), "/monitoring"));
        }
        else if (days < 180)
        {
            reasons.Add(new VerdictReason(ReasonKind.Warning, string.Create(CultureInfo.InvariantCulture, $"the disk is full in about {Math.Round(days / 30):0} months at its growth of the last month"), "/monitoring"));
        }
    }

    private static void Money(VerdictInputs x, List<VerdictReason> reasons)
    {
        if (x.Funding is not { MonthlyCostsMinor: > 0 } f)
        {
            reasons.Add(new VerdictReason(ReasonKind.Warning, "the running costs are not entered yet, so what the server costs is unknown", "/donations"));
            return;
        }

        var coverage = f.Coverage3Percent ?? 0;
        var runway = f.RunwayMonths is > 0 and var r ? string.Create(CultureInfo.InvariantCulture, $", with {r:0.#} months in hand") : "";
        var trend = f.Trend switch
        {
            FundingTrend.Rising => " and rising",
            FundingTrend.Falling => " and falling",
            _ => "",
        };
        reasons.Add(coverage >= 100
            ? new VerdictReason(ReasonKind.Good, $"donations cover {coverage} %{trend}{runway}", "/donations")
            : coverage >= 50
                ? new VerdictReason(ReasonKind.Good, $"donations cover {coverage} %{trend}{runway}", "/donations")
                : new VerdictReason(ReasonKind.Warning, $"donations cover {coverage} % of the costs{trend}{runway}", "/donations"));
    }

    private static string Join(IEnumerable<string> parts)
    {
        var list = parts.ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list.Take(list.Count - 1)) + ", and " + list[^1];
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
