using System.Globalization;

namespace Panel.Web.Components.Shared;

public static class TimeText
{
    public static string Relative(DateTimeOffset value, DateTimeOffset now)
    {
        var ago = now - value;
        var future = ago < TimeSpan.Zero;
        var span = future ? -ago : ago;
        string text;
        if (span < TimeSpan.FromSeconds(45))
        {
            return future ? "in a moment" : "just now";
        }
        else if (span < TimeSpan.FromMinutes(90))
        {
            text = Plural((int)Math.Round(span.TotalMinutes), "minute");
        }
        else if (span < TimeSpan.FromHours(36))
        {
            text = Plural((int)Math.Round(span.TotalHours), "hour");
        }
        else if (span < TimeSpan.FromDays(45))
        {
            text = Plural((int)Math.Round(span.TotalDays), "day");
        }
        else
        {
            return value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return future ? "in " + text : text + " ago";
    }

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 60 } => $"{(int)span.TotalSeconds}s",
        { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes}m {span.Seconds}s",
        { TotalHours: < 48 } => $"{(int)span.TotalHours}h {span.Minutes}m",
        _ => $"{(int)span.TotalDays}d {span.Hours}h",
    };

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
