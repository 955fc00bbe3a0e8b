using Panel.Domain.Common;

namespace Panel.Web.Features.Invites;

/// <summary>Every five minutes, hands back the reservations of sign-ups that never finished (an invite use held for a redemption that died).</summary>
internal sealed partial class InviteJanitor(InvitesService invites, ILogger<InviteJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(5));
        do
        {
            try
            {
                await invites.RecoverStaleReservationsAsync(TimeSpan.FromMinutes(10), stoppingToken);
            }
            catch (Exception ex) when (ex is DomainException or Panel.Domain.Containers.ContainerRuntimeUnavailableException)
            {
                LogSkipped(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Invite reservations not checked: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
