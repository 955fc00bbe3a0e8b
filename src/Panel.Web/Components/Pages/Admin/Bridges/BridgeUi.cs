using MudBlazor;

namespace Panel.Web.Components.Pages.Admin.Bridges;

internal static class BridgeUi
{
    public static Color StatusColor(string status) => status switch
    {
        "running" => Color.Success,
        "installing" or "starting" or "uninstalling" or "paused" => Color.Info,
        "crashed" or "failed" or "missing" => Color.Error,
        "stopped" => Color.Warning,
        _ => Color.Default,
    };

    public static Color HealthColor(string health) => health switch
    {
        "healthy" => Color.Success,
        "unknown" => Color.Default,
        _ => Color.Error,
    };

    public static string DatabaseText(string database) => database switch
    {
        "postgres" => "its own PostgreSQL database (SQLite on a SQLite homeserver)",
        "sqlite" => "SQLite in its volume",
        _ => "none",
    };
}
