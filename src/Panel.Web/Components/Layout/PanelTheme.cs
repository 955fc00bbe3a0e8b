using MudBlazor;

namespace Panel.Web.Components.Layout;

internal static class PanelTheme
{
    // System fonts: the panel must work on servers with no route to a font CDN.
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0b7a75",
            Secondary = "#5c6bc0",
            AppbarBackground = "#0b7a75",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#4fd1c5",
            Secondary = "#9fa8da",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
        },
    };
}
