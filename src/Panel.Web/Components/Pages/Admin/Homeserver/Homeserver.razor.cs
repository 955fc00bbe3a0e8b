using Microsoft.AspNetCore.Components;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using MudBlazor;
using Panel.Web.Components.Pages.Admin.Homeserver.Memory;
using Panel.Web.Components.Shared;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Components.Pages.Admin.Homeserver;

public sealed partial class Homeserver : PanelPageBase
{
    private HomeserverView? _view;
    private HomeserverDeployment? _deployment;
    private MemoryProfileView? _memory;
    private IReadOnlyList<MemoryChangeView> _changes = [];
    private HomeserverOptions _defaults = new();
    private IReadOnlyList<string>? _images;
    private bool _isOwner;
    private CoalescedRefresh? _refresh;

    [Inject] public required HomeserverService Service { get; init; }

    [Inject] public required HomeserverOperations Operations { get; init; }

    [Inject] public required HomeserverMemory Memory { get; init; }

    [Inject] public required MemoryChanges Changes { get; init; }

    [Inject] public required ContainerEventFeed Events { get; init; }

    private bool Busy => _view?.Operation?.IsRunning == true;

    private bool Installing => _view?.Operation is { Kind: "install", IsRunning: true };

    // A running or failed operation shows; a finished one goes away after a short while (the page refreshes on a timer).
    private bool ShowOperation => _view?.Operation is { } op
        && (op.IsRunning || !op.Succeeded || op.FinishedAt > DateTimeOffset.UtcNow.AddSeconds(-30));

    // An install left "installing" with no operation running was interrupted (the panel stopped): the
    // reconciler resumes it after a back-off, and the wizard lets the owner resume it now.
    private bool ShowWizard => !Busy && (_deployment is null || _deployment.Phase is InstallPhase.Uninstalled or InstallPhase.Failed or InstallPhase.Installing);

    private string OperationTitle => _view?.Operation?.Kind switch
    {
        "install" => "Installing",
        "upgrade" => "Upgrading",
        "uninstall" => "Uninstalling",
        { } kind => char.ToUpperInvariant(kind[0]) + kind[1..],
        null => "Progress",
    };

    protected override async Task OnInitializedAsync()
    {
        _defaults = Service.Defaults;
        _isOwner = await IsOwnerAsync();
        await RefreshAsync();
        _images = await Service.LocalImagesAsync("synapse", PageToken);
        Operations.Changed += OnChanged;
        Events.Received += OnEvent;
        _ = Refresher.EveryAsync(TimeSpan.FromSeconds(10), InvokeAsync, PageToken);
    }

    private CoalescedRefresh Refresher => _refresh ??= new CoalescedRefresh(async () =>
    {
        _deployment = await Service.GetDeploymentAsync(PageToken);
        _view = await Service.GetAsync(PageToken);
        // Profiles are for a homeserver the panel runs; they are read while it is installed.
        if (_deployment is { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed } && !Busy)
        {
            _memory = await Memory.GetAsync(PageToken);
            _changes = await Changes.HistoryAsync(10, PageToken);
        }

        StateHasChanged();
    });

    private void OnChanged() => _ = InvokeAsync(RefreshAsync);

    private void OnEvent(ContainerEvent e) => _ = InvokeAsync(RefreshAsync);

    private Task RefreshAsync() => Refresher.RunAsync();

    private Task InstallAsync(InstallRequest request) =>
        RunAsync(async () =>
        {
            await Service.InstallAsync(request, await Actors.GetAsync(), PageToken);
            await RefreshAsync();
        }); // No "started" notice: the operation's steps appear at once, and a quick failure would sit beside a green word.

    private Task AttachAsync(AttachRequest request) =>
        RunAsync(async () =>
        {
            await Service.AttachAsync(request, await Actors.GetAsync(), PageToken);
            await RefreshAsync();
        }, "The homeserver is attached.");

    private Task StartAsync() => RunAsync(async () => await Service.StartAsync(await Actors.GetAsync(), PageToken));

    private async Task StopAsync()
    {
        if (await Dialogs.ConfirmAsync("Stop the homeserver?", "Nobody can chat until it is started again. Bridged messages wait.", "Stop"))
        {
            await RunAsync(async () => await Service.StopAsync(await Actors.GetAsync(), PageToken));
        }
    }

    private async Task RestartAsync()
    {
        if (await Dialogs.ConfirmAsync("Restart Synapse?", "Clients reconnect by themselves after a few seconds.", "Restart", destructive: false))
        {
            await RunAsync(async () => await Service.RestartAsync(await Actors.GetAsync(), PageToken));
        }
    }

    private Task UpgradeAsync(string image) => RunAsync(async () => await Service.UpgradeAsync(image, await Actors.GetAsync(), PageToken));

    private async Task UninstallAsync(bool deleteData)
    {
        var name = _deployment?.ServerName ?? "";
        var confirmed = deleteData
            ? await Dialogs.ConfirmAsync("Uninstall and delete all data?", $"Every account, message and file of {name} is deleted. This cannot be undone.", "Delete everything", typeToConfirm: name)
            : await Dialogs.ConfirmAsync("Uninstall the homeserver?", "The containers are removed; the data stays, so installing the same server name again brings everything back.", "Uninstall");
        if (confirmed)
        {
            await RunAsync(async () => await Service.UninstallAsync(deleteData, name, await Actors.GetAsync(), PageToken));
        }
    }

    private async Task ApplyProfileAsync(MemoryProfile profile)
    {
        if (await Dialogs.ConfirmAsync($"Apply the {profile} profile?",
                "Synapse's config is rewritten and Synapse restarts (clients reconnect by themselves). If it does not come back healthy, the previous settings are put back.",
                "Apply", destructive: false))
        {
            await RunAsync(async () => await Memory.StartApplyAsync(new MemoryProfileRequest(profile), await Actors.GetAsync(), PageToken), $"Applying the {profile} profile.");
        }
    }

    private async Task CustomProfileAsync()
    {
        if (_memory is null)
        {
            return;
        }

        var parameters = new DialogParameters<CustomProfileDialog>
        {
            { d => d.Current, _memory.Current },
            { d => d.Jemalloc, _memory.Jemalloc == true },
            { d => d.HostMemoryBytes, _memory.HostMemoryBytes },
        };
        var dialog = await Dialogs.ShowAsync<CustomProfileDialog>("Custom memory settings", parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: MemorySettings custom })
        {
            await RunAsync(async () => await Memory.StartApplyAsync(new MemoryProfileRequest(MemoryProfile.Custom, Custom: custom), await Actors.GetAsync(), PageToken), "Applying the custom settings.");
        }
    }

    private async Task ApplyAdviceAsync(MemoryAdvice advice)
    {
        if (advice is { Profile: { } profile, Settings: { } settings }
            && await Dialogs.ConfirmAsync($"Apply {profile} with a limit of {new Domain.Common.ByteSize(settings.MemoryLimitBytes)}?",
                "Synapse restarts with the suggested settings. If it does not come back healthy, the previous settings are put back.", "Apply", destructive: false))
        {
            await RunAsync(async () => await Memory.StartApplyAsync(new MemoryProfileRequest(profile, settings.MemoryLimitBytes), await Actors.GetAsync(), PageToken), $"Applying the {profile} profile.");
        }
    }

    private Task DeleteKeptDataAsync() => UninstallAsync(deleteData: true);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Operations.Changed -= OnChanged;
            Events.Received -= OnEvent;
        }

        base.Dispose(disposing);
    }
}
