using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Backups;

/// <summary>
/// Restores a backup set onto this panel: onto the running homeserver, or onto a fresh install
/// (another machine). The set is checked first; the data goes into a new generation of volumes while
/// the old ones stay untouched; the homeserver then switches over, and if it does not come back
/// healthy, it switches back to the previous data.
/// </summary>
public sealed partial class BackupRestorer(
    IContainerRuntime docker,
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverContainers homeserver,
    HomeserverAccess homeservers,
    BridgeInstaller bridgeInstaller,
    RestoredRecords records,
    RestoreStaging staging,
    HomeserverNames names,
    TimeProvider clock,
    ILogger<BackupRestorer> logger)
{
    public static readonly IReadOnlyList<(string Key, string Title)> Steps =
    [
        ("verify", "Check the backup (every file against the manifest)"),
        ("prepare", "Restore the data into new volumes"),
        ("stop", "Stop the homeserver"),
        ("switch", "Switch to the restored data"),
        ("start", "Start the homeserver"),
        ("health", "Check that Synapse is healthy"),
        ("cleanup", "Remove the previous data"),
    ];

    /// <summary>What a restore needs from the set, read and checked before anything is touched.</summary>
    public sealed record Plan(BackupManifest Manifest, HomeserverDeployment Homeserver, IReadOnlyList<Bridge> Bridges, string? Passphrase);

    /// <summary>Checks every file, the passphrase and the records; throws <see cref="DomainException"/> before any change.</summary>
    public async Task<Plan> VerifyAsync(string directory, string? passphrase, OperationContext progress, CancellationToken cancellationToken)
    {
        progress.Start("verify");
        var reader = new BackupSetReader(directory);
        var manifest = await reader.ReadManifestAsync(cancellationToken);
        await reader.VerifyAsync(manifest, new Progress<(int Done, int Total, string File)>(p =>
            progress.Progress("verify", p.Total == 0 ? null : p.Done * 100.0 / p.Total, $"Checking {p.File}…")), cancellationToken);
        if (manifest.Encrypted && string.IsNullOrEmpty(passphrase))
        {
            throw new DomainException("This backup is encrypted: give its passphrase.");
        }

        var (deployment, bridges) = await records.ReadAsync(reader, manifest, passphrase, cancellationToken);
        progress.Done("verify", $"{manifest.Files.Count} files match the manifest; {manifest.ServerName} from {manifest.CreatedAt:u}.");
        return new Plan(manifest, deployment, bridges, passphrase);
    }

    public async Task RestoreAsync(string directory, Plan plan, OperationContext progress, CancellationToken cancellationToken)
    {
        var reader = new BackupSetReader(directory);
        var manifest = plan.Manifest;
        HomeserverDeployment? previous;
        List<Bridge> previousBridges;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            previous = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
            previousBridges = await db.Bridges.AsNoTracking().ToListAsync(cancellationToken);
        }

        if (previous is { Mode: HomeserverMode.Attached, Phase: not InstallPhase.Uninstalled })
        {
            throw new ConflictException("An attached homeserver is set up: detach it before restoring a backup of a managed one.");
        }

        var live = previous is { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed };
        var generation = (previous?.DataGeneration ?? 0) + 1;
        var restored = plan.Homeserver;

        // 2. Restore into new volumes; the current ones are not touched.
        progress.Start("prepare");
        try
        {
            await staging.StageAsync(reader, plan, generation, progress, cancellationToken);
        }
        catch (Exception e) when (OperationFailure.Fails(e, cancellationToken))
        {
            await staging.RemoveGenerationAsync(generation, plan.Bridges, CancellationToken.None);
            throw new DomainException("The restore stopped before the homeserver was touched, and the previous data is in place: " + OperationFailure.Describe(e), e);
        }

        progress.Done("prepare", $"Generation {generation} of the volumes is ready.");

        // 3. Stop what runs now.
        progress.Start("stop");
        await StopAllAsync(cancellationToken);
        progress.Done("stop", live ? "Synapse, its database and the bridges are stopped." : "Nothing was running.");

        try
        {
            // 4. The panel's records now describe the restored homeserver.
            progress.Start("switch");
            var hostPort = previous?.HostPort is { } port && HostPorts.IsFree(port) ? port
                : restored.HostPort is { } old && HostPorts.IsFree(old) ? old : HostPorts.FindFree();
            await SwitchRecordsAsync(plan, generation, hostPort, cancellationToken);
            progress.Done("switch", $"The panel now runs {restored.ServerName} on generation {generation}.");

            // 5 and 6. Start and check.
            progress.Start("start");
            var d = (await homeservers.GetDeploymentAsync(cancellationToken))!;
            await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
            await docker.EnsureAsync(d.SynapseImage, progress, "start", cancellationToken);
            await homeserver.EnsureSynapseContainerAsync(d, cancellationToken);
            await docker.StartAsync(names.Synapse, cancellationToken);
            progress.Done("start");
            await homeserver.WaitHealthyAsync(progress, "health", d, cancellationToken);
        }
        catch (Exception e) when (OperationFailure.Fails(e, cancellationToken))
        {
            progress.Fail("health", "The restored homeserver did not come up; going back to the previous data…");
            await RollBackAsync(previous, previousBridges, generation, plan.Bridges, CancellationToken.None);
            throw new DomainException("The restore failed, so the panel went back to the previous data" + (live ? ", which is running again" : "") + ": " + OperationFailure.Describe(e), e);
        }

        // Bridges come back through the reconciler's logic; a bridge that fails does not undo the restore.
        try
        {
            var d = (await homeservers.GetDeploymentAsync(cancellationToken))!;
            await bridgeInstaller.ReconcileAsync(d, await docker.ListOwnedAsync(null, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is DomainException or ContainerRuntimeUnavailableException)
        {
            LogBridgesFailed(logger, e.Message);
        }

        // 7. The previous generation is no longer needed.
        progress.Start("cleanup");
        if (previous is not null)
        {
            await staging.RemoveVolumesAsync(previous.DataGeneration, previousBridges.Select(b => b.CatalogId), CancellationToken.None);
            progress.Done("cleanup", $"Removed the volumes of generation {previous.DataGeneration}.");
        }
        else
        {
            progress.Skip("cleanup", "There was no previous data.");
        }

        LogRestored(logger, restored.ServerName, generation);
    }

    private async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var c in await docker.ListOwnedAsync(null, cancellationToken))
        {
            if (c.Component is ContainerComponents.Homeserver or ContainerComponents.Database or ContainerComponents.Bridge)
            {
                await docker.RemoveAsync(c.Id, cancellationToken);
            }
        }
    }

    private async Task SwitchRecordsAsync(Plan plan, int generation, int hostPort, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Bridges.ExecuteDeleteAsync(cancellationToken);
        await db.Homeservers.ExecuteDeleteAsync(cancellationToken);
        plan.Homeserver.Restored(generation, hostPort, clock.GetUtcNow());
        db.Homeservers.Add(plan.Homeserver);
        db.Bridges.AddRange(plan.Bridges);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task RollBackAsync(HomeserverDeployment? previous, List<Bridge> previousBridges, int generation, IReadOnlyList<Bridge> restoredBridges, CancellationToken cancellationToken)
    {
        try
        {
            await StopAllAsync(cancellationToken);
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await db.Bridges.ExecuteDeleteAsync(cancellationToken);
                await db.Homeservers.ExecuteDeleteAsync(cancellationToken);
                if (previous is not null)
                {
                    db.Homeservers.Add(previous);
                    db.Bridges.AddRange(previousBridges);
                }

                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            await staging.RemoveGenerationAsync(generation, restoredBridges, cancellationToken);
            if (previous is { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed })
            {
                await homeserver.EnsureDatabaseRunningAsync(previous, null, cancellationToken);
                await homeserver.EnsureSynapseContainerAsync(previous, cancellationToken);
                await docker.StartAsync(names.Synapse, cancellationToken);
                await bridgeInstaller.ReconcileAsync(previous, await docker.ListOwnedAsync(null, cancellationToken), cancellationToken);
            }
        }
        catch (Exception e) when (e is DomainException or ContainerRuntimeUnavailableException)
        {
            LogRollbackFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {ServerName} from a backup (data generation {Generation})")]
    private static partial void LogRestored(ILogger logger, string serverName, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bridges did not all come back after the restore: {Error}")]
    private static partial void LogBridgesFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Going back to the previous data after a failed restore also failed")]
    private static partial void LogRollbackFailed(ILogger logger, Exception ex);
}
