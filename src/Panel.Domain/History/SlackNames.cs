using System.Globalization;

namespace Panel.Domain.History;

/// <summary>Slack's identifiers and times, as Matrix needs them.</summary>
public static class SlackNames
{
    /// <summary>The appservice's users: <c>@slack_&lt;id&gt;:server</c>.</summary>
    public const string GhostPrefix = "slack_";

    public static string GhostLocalpart(string slackId) => GhostPrefix + slackId.ToLowerInvariant();

    /// <summary>A claimed ghost's name: the person's, and who they are on this server now.</summary>
    public static string ClaimedName(string name, string matrixUserId) => $"{name} (now {matrixUserId})";

    /// <summary>Slack's <c>ts</c> ("1355517523.000005") as a time; the part after the dot orders messages within a second.</summary>
    public static DateTimeOffset TimeOf(string ts)
    {
        var seconds = decimal.Parse(ts, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    /// <summary>A valid Slack ts: digits, a dot, digits.</summary>
    public static bool IsTs(string? ts) => ts is { Length: > 3 and < 40 } && ts.Count(c => c == '.') <= 1 && ts.All(c => char.IsAsciiDigit(c) || c == '.');
}
