namespace Panel.Web.Components.Shared;

/// <summary>
/// Which log lines the log viewer shows: by text, by level, and without the panel's own polls of
/// Synapse (its version and who-am-I checks, every few seconds), which otherwise fill the log.
/// </summary>
public sealed record LogFilter(string? Text = null, string Level = LogFilter.All, bool HidePanelPolls = true)
{
    public const string All = "all";
    public const string Warnings = "warnings";
    public const string Errors = "errors";

    // The requests the panel itself makes to Synapse on a timer (health, version, its admin token check).
    private static readonly string[] PanelPolls = ["/_synapse/admin/v1/server_version", "/account/whoami", "GET /health "];

    private static readonly string[] WarningWords = ["WARN", "ERROR", "CRITICAL", "FATAL"];
    private static readonly string[] ErrorWords = ["ERROR", "CRITICAL", "FATAL"];

    public bool Shows(string line)
    {
        if (HidePanelPolls && PanelPolls.Any(p => line.Contains(p, StringComparison.Ordinal)))
        {
            return false;
        }

        var levelWords = Level switch { Warnings => WarningWords, Errors => ErrorWords, _ => null };
        if (levelWords is not null && !levelWords.Any(w => line.Contains(w, StringComparison.Ordinal)))
        {
            return false;
        }

        return string.IsNullOrWhiteSpace(Text) || line.Contains(Text.Trim(), StringComparison.OrdinalIgnoreCase);
    }
}
