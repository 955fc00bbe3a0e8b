using Microsoft.AspNetCore.Components;
using MudBlazor;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Web.Components.Shared;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Components.Pages.Admin.Bridges;

public sealed partial class BridgeDetails : PanelPageBase
{
    private readonly List<BreadcrumbItem> _crumbs = [new("Bridges", "/bridges")];
    private BridgeView? _view;
    private bool _gone;
    private bool _isOwner;
    private string? _upgradeImage;
    private CoalescedRefresh? _refresh;

    [Parameter] public Guid Id { get; set; }

    [Inject] public required BridgesService Service { get; init; }

    [Inject] public required HomeserverOperations Operations { get; init; }

    [Inject] public required ContainerEventFeed Events { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    private bool Busy => Operations.IsBusy;

    private string OperationTitle => _view?.Operation?.Kind switch
    {
        "bridge-install" => "Installing",
        "bridge-upgrade" => "Upgrading",
        "bridge-restart" => "Restarting",
        "bridge-uninstall" => "Uninstalling",
        _ => "Progress",
    };

    protected override async Task OnInitializedAsync()
    {
        _isOwner = await IsOwnerAsync();
        await RefreshAsync();
        if (_view is not null)
        {
            _crumbs.Add(new BreadcrumbItem(_view.Name, null, disabled: true));
            _upgradeImage = _view.CatalogImage ?? _view.Image;
        }

        Operations.Changed += OnChanged;
        Events.Received += OnEvent;
        _ = Refresher.EveryAsync(TimeSpan.FromSeconds(5), InvokeAsync, PageToken);
    }

    private void OnChanged() => _ = InvokeAsync(RefreshAsync);

    private void OnEvent(ContainerEvent e)
    {
        if (e.Component == ContainerComponents.Bridge || e.Component == ContainerComponents.Homeserver)
        {
            _ = InvokeAsync(RefreshAsync);
        }
    }

    private Task RefreshAsync() => Refresher.RunAsync();

    private CoalescedRefresh Refresher => _refresh ??= new CoalescedRefresh(async () =>
    {
        try
        {
            _view = await Service.GetAsync(Id, PageToken);
            _gone = false;
        }
        catch (NotFoundException)
        {
            _gone = true;
        }
        catch (ContainerRuntimeUnavailableException)
        {
            // The Docker banner says it; keep the last view.
        }

        StateHasChanged();
    });

    private async Task RestartAsync()
    {
        if (await Dialogs.ConfirmAsync($"Restart {_view?.Name}?", "Messages on the other network wait while it restarts.", "Restart", destructive: false))
        {
            await RunAsync(async () => await Service.RestartAsync(Id, await Actors.GetAsync(), PageToken));
        }
    }

    private async Task UpgradeAsync()
    {
        if (await Dialogs.ConfirmAsync($"Upgrade {_view?.Name}?", $"The container is recreated with {_upgradeImage}, with the same data. If it does not come up, the old one comes back.", "Upgrade", destructive: false))
        {
            await RunAsync(async () => await Service.UpgradeAsync(Id, _upgradeImage, await Actors.GetAsync(), PageToken));
        }
    }

    private async Task UninstallAsync(bool deleteData)
    {
        if (_view is null)
        {
            return;
        }

        var confirmed = deleteData
            ? await Dialogs.ConfirmAsync($"Uninstall {_view.Name} and delete its data?",
                "Its database and volume are deleted: the logins to the other network and the links to its rooms. Synapse restarts once. This cannot be undone.",
                "Delete the bridge and its data", typeToConfirm: _view.CatalogId)
            : await Dialogs.ConfirmAsync($"Uninstall {_view.Name}?",
                "The container and the registration are removed and Synapse restarts once. Its data is kept: installing it again picks it up.", "Uninstall");
        if (confirmed)
        {
            await RunAsync(async () => await Service.UninstallAsync(Id, deleteData, _view.CatalogId, await Actors.GetAsync(), PageToken), "Uninstalling…");
        }
    }

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
