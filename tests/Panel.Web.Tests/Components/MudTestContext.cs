using Bunit;
using MudBlazor.Services;

namespace Panel.Web.Tests.Components;

/// <summary>bUnit with MudBlazor, set up the way MudBlazor's own tests do it: no transitions, loose JS interop.</summary>
public abstract class MudTestContext : BunitContext
{
    protected MudTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
    }
}
