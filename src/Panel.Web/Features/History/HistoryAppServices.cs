using System.Text;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.History;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>
/// The panel's own appservice, through which imported history is written: registered in Synapse the
/// way bridges are (a registration file in its volume, listed in homeserver.yaml, then a restart
/// that is undone if Synapse does not come back).
/// </summary>
public sealed class HistoryAppServices(
    IDbContextFactory<PanelDbContext> contexts,
    IContainerRuntime docker,
    HomeserverContainers homeserver,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    ISecretProtector secrets,
    IHistoryWriterFactory writers)
{
    /// <summary>Registers it if it is not yet (restarting Synapse), and answers a writer that acts as it.</summary>
    public async Task<IHistoryWriter> EnsureAsync(HomeserverDeployment d, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        d.EnsureManaged();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var app = await db.HistoryAppServices.SingleOrDefaultAsync(cancellationToken);
        if (app is null)
        {
            app = HistoryAppService.Create(secrets.Protect(SynapseConfig.NewSecret()), secrets.Protect(SynapseConfig.NewSecret()));
            db.HistoryAppServices.Add(app);
            await db.SaveChangesAsync(cancellationToken);
        }

        var asToken = secrets.Unprotect(app.AsTokenProtected);
        var path = SynapseLayout.AppServiceRegistrationPath(HistoryAppService.AppServiceId);
        if (app.Registered && await docker.ReadFileAsync(names.Synapse, path, cancellationToken) is not null)
        {
            progress.Skip(step, "Registered already.");
            return writers.Create(endpoint.BaseUrlFor(d), asToken, d.ServerName, endpoint.MediaBaseUrlFor(d));
        }

        progress.Start(step, "Registering the panel's history appservice in Synapse and restarting it…");
        var registration = AppServiceRegistration.ForHistory(HistoryAppService.AppServiceId, HistoryAppService.BotLocalpart, SlackNames.GhostPrefix,
            d.ServerName, asToken, secrets.Unprotect(app.HsTokenProtected));
        await docker.WriteFilesAsync(names.Synapse, SynapseConfig.DataDirectory,
            [new ContainerFile($"{SynapseLayout.AppServiceDirectory}/{HistoryAppService.AppServiceId}.yaml", Encoding.UTF8.GetBytes(BridgeFilesGenerator.Registration(registration, null)),
                SynapseConfig.SynapseUid, SynapseConfig.SynapseUid, 0b110_000_000)], cancellationToken);
        app.SetRegistered(true);
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            await RestartAsync(d, progress, step, cancellationToken);
        }
        catch (DomainException failure)
        {
            app.SetRegistered(false);
            await db.SaveChangesAsync(CancellationToken.None);
            await RestartAsync(d, progress, step, CancellationToken.None);
            throw new DomainException($"Synapse did not come back with the history appservice registered, so it was taken out again. {failure.Message}");
        }

        progress.Done(step, $"@{HistoryAppService.BotLocalpart}:{d.ServerName} and @{SlackNames.GhostPrefix}…:{d.ServerName} belong to the panel.");
        return writers.Create(endpoint.BaseUrlFor(d), asToken, d.ServerName, endpoint.MediaBaseUrlFor(d));
    }

    /// <summary>A writer, when the appservice is registered already (after an import); otherwise a clear refusal.</summary>
    public async Task<IHistoryWriter> RegisteredWriterAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var app = await db.HistoryAppServices.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        return app is { Registered: true }
            ? writers.Create(endpoint.BaseUrlFor(d), secrets.Unprotect(app.AsTokenProtected), d.ServerName, endpoint.MediaBaseUrlFor(d))
            : throw new DomainException("Nothing has been imported yet: import the export first, then its people can be claimed.");
    }

    private async Task RestartAsync(HomeserverDeployment d, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        await homeserver.WriteConfigAsync(d, names.Synapse, cancellationToken);
        await docker.RestartAsync(names.Synapse, TimeSpan.FromSeconds(30), cancellationToken);
        await homeserver.WaitHealthyAsync(progress, step, d, cancellationToken);
    }
}
