using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Panel.Domain.Accounts;
using Panel.Domain.Common;
using Panel.Web.Features.Audit;

namespace Panel.Web.Components.Shared;

/// <summary>
/// Shared plumbing of the admin pages: who is signed in, and running an action so that a domain error
/// shows its message and anything else shows a short notice (details go to the log, never to the page).
/// </summary>
public abstract partial class PanelPageBase : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    [CascadingParameter] protected Task<AuthenticationState> AuthState { get; set; } = default!;

    [Inject] protected ISnackbar Snackbar { get; set; } = default!;

    [Inject] protected ActorContext Actors { get; set; } = default!;

    [Inject] protected IDialogService Dialogs { get; set; } = default!;

    [Inject] private ILogger<PanelPageBase> Logger { get; set; } = default!;

    /// <summary>Cancelled when the page goes away, so its work stops with it.</summary>
    protected CancellationToken PageToken => _disposed.Token;

    protected async Task<ClaimsPrincipal> UserAsync() => (await AuthState).User;

    protected async Task<string> UserIdAsync() => (await UserAsync()).FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    protected async Task<bool> IsOwnerAsync() => (await UserAsync()).IsInRole(PanelRoles.Owner);

    protected async Task<bool> RunAsync(Func<Task> action, string? success = null)
    {
        try
        {
            await action();
            if (success is not null)
            {
                Snackbar.Add(success, Severity.Success);
            }

            return true;
        }
        catch (DomainException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogActionFailed(Logger, GetType().Name, ex);
            Snackbar.Add("That did not work, and the panel logged why. Try again, or look at the panel's log.", Severity.Error);
        }

        return false;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed.Cancel();
            _disposed.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An action on page {Page} failed")]
    private static partial void LogActionFailed(ILogger logger, string page, Exception ex);
}
