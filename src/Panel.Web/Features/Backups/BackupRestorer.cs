using System.Formats.Tar;
using System.IO.Pipelines;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
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
    ISecretProtector secrets,
    HomeserverInstaller homeserver,
    HomeserverAccess homeservers,
    BridgeInstaller bridgeInstaller,
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

        var (deployment, bridges) = await ReadRecordsAsync(reader, manifest, passphrase, cancellationToken);
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
            await PrepareAsync(reader, plan, generation, progress, cancellationToken);
        }
        catch (Exception e) when (OperationFailure.Fails(e, cancellationToken))
        {
            await RemoveGenerationAsync(generation, plan.Bridges, CancellationToken.None);
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
            await RemoveVolumesAsync(previous.DataGeneration, previousBridges.Select(b => b.CatalogId), CancellationToken.None);
            progress.Done("cleanup", $"Removed the volumes of generation {previous.DataGeneration}.");
        }
        else
        {
            progress.Skip("cleanup", "There was no previous data.");
        }

        LogRestored(logger, restored.ServerName, generation);
    }

    private async Task<(HomeserverDeployment, List<Bridge>)> ReadRecordsAsync(BackupSetReader reader, BackupManifest manifest, string? passphrase, CancellationToken cancellationToken)
    {
        var recordsFile = BackupSetReader.Find(manifest, BackupWriter.Records) ?? throw new DomainException("The backup has no homeserver records.");
        var temp = Directory.CreateTempSubdirectory("panel-restore-");
        try
        {
            var recordsPath = Path.Combine(temp.FullName, "records.db");
            await using (var output = File.Create(recordsPath))
            {
                await reader.CopyClearAsync(recordsFile, passphrase, output, cancellationToken);
            }

            HomeserverDeployment deployment;
            List<Bridge> bridges;
            await using (var db = await PanelDatabaseCopies.OpenRecordsAsync(recordsPath, cancellationToken))
            {
                deployment = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? throw new DomainException("The backup's records hold no homeserver.");
                bridges = await db.Bridges.AsNoTracking().ToListAsync(cancellationToken);
            }

            // The secrets in the records were encrypted by the panel that made the backup: read them
            // with its keys (from the set) and encrypt them again with this panel's own.
            var keysDirectory = Directory.CreateDirectory(Path.Combine(temp.FullName, "keys"));
            foreach (var key in manifest.Files.Where(f => f.Path.StartsWith(BackupWriter.KeysPrefix, StringComparison.Ordinal)))
            {
                var name = Path.GetFileName(key.Path.EndsWith(BackupEncryption.Extension, StringComparison.Ordinal) ? key.Path[..^BackupEncryption.Extension.Length] : key.Path);
                await using var output = File.Create(Path.Combine(keysDirectory.FullName, name));
                await reader.CopyClearAsync(key, passphrase, output, cancellationToken);
            }

            var theirs = SecretProtectors.FromKeyRing(keysDirectory);
            try
            {
                Reprotect(deployment, theirs);
                foreach (var bridge in bridges)
                {
                    Reprotect(bridge, theirs);
                }
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new DomainException("The backup's secrets cannot be read with the keys it carries: the set is incomplete or from an incompatible panel.", e);
            }

            if (deployment.Mode != HomeserverMode.Managed)
            {
                throw new DomainException("The backup is of an attached homeserver, which the panel does not run: there is nothing to restore.");
            }

            return (deployment, bridges);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Every string property named *Protected is a secret: read it with their keys, store it with ours.</summary>
    private void Reprotect(object entity, ISecretProtector theirs)
    {
        foreach (var property in entity.GetType().GetProperties().Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("Protected", StringComparison.Ordinal)))
        {
            if (property.GetValue(entity) is string value)
            {
                property.SetValue(entity, secrets.Protect(theirs.Unprotect(value)));
            }
        }
    }

    private async Task PrepareAsync(BackupSetReader reader, Plan plan, int generation, OperationContext progress, CancellationToken cancellationToken)
    {
        var manifest = plan.Manifest;
        var d = plan.Homeserver;
        await RemoveGenerationAsync(generation, plan.Bridges, cancellationToken);
        await docker.EnsureNetworkAsync(names.Network, new Dictionary<string, string>(), cancellationToken);
        await docker.EnsureAsync(d.SynapseImage, progress, "prepare", cancellationToken);

        // Synapse's volume: config, signing key, registrations, media (and the SQLite database).
        await docker.EnsureVolumeAsync(names.SynapseData(generation), new Dictionary<string, string>(), cancellationToken);
        await WithHelperAsync(d.SynapseImage, names.SynapseData(generation), async helper =>
        {
            progress.Progress("prepare", null, "Restoring the config and the signing key…");
            await ExtractAsync(reader, Required(manifest, BackupWriter.SynapseConfigTar), plan.Passphrase, helper, cancellationToken);
            progress.Progress("prepare", null, "Restoring the media store…");
            await ExtractAsync(reader, Required(manifest, BackupWriter.MediaTar), plan.Passphrase, helper, cancellationToken);
            if (d.Database == HomeserverDatabase.Sqlite)
            {
                progress.Progress("prepare", null, "Restoring the SQLite database…");
                await WriteSingleFileAsync(reader, Required(manifest, BackupWriter.HomeserverSqlite), plan.Passphrase, helper, "data/homeserver.db", SynapseConfig.SynapseUid, cancellationToken);
            }
        }, cancellationToken);

        // The bridges' volumes.
        foreach (var bridge in plan.Bridges)
        {
            if (BackupSetReader.Find(manifest, BackupWriter.BridgeTar(bridge.CatalogId)) is { } tar)
            {
                progress.Progress("prepare", null, $"Restoring the data of {bridge.CatalogId}…");
                await docker.EnsureVolumeAsync(names.BridgeData(bridge.CatalogId, generation), new Dictionary<string, string>(), cancellationToken);
                await WithHelperAsync(d.SynapseImage, names.BridgeData(bridge.CatalogId, generation), helper => ExtractAsync(reader, tar, plan.Passphrase, helper, cancellationToken), cancellationToken);
            }
        }

        if (d.Database != HomeserverDatabase.Postgres)
        {
            return;
        }

        // PostgreSQL: a temporary server on the new volume loads the dumps.
        progress.Progress("prepare", null, "Starting PostgreSQL on the new volume…");
        await docker.EnsureAsync(d.DatabaseImage, progress, "prepare", cancellationToken);
        await docker.EnsureVolumeAsync(names.PostgresData(generation), new Dictionary<string, string>(), cancellationToken);
        await docker.RemoveAsync(names.RestorePostgres, cancellationToken);
        await docker.CreateAsync(new ContainerSpec
        {
            Name = names.RestorePostgres,
            Image = d.DatabaseImage,
            Component = ContainerComponents.Database,
            Environment = new Dictionary<string, string>
            {
                ["POSTGRES_USER"] = SynapseLayout.PostgresUser,
                ["POSTGRES_PASSWORD"] = secrets.Unprotect(d.DatabasePasswordProtected!),
                ["POSTGRES_DB"] = SynapseLayout.PostgresDatabase,
                ["POSTGRES_INITDB_ARGS"] = "--locale=C --encoding=UTF8",
                ["PGDATA"] = "/var/lib/postgresql/data",
            },
            Volumes = new Dictionary<string, string> { [names.PostgresData(generation)] = "/var/lib/postgresql/data" },
            RestartPolicy = "no",
        }, cancellationToken);
        try
        {
            await docker.StartAsync(names.RestorePostgres, cancellationToken);
            await WaitForPostgresAsync(cancellationToken);
            progress.Progress("prepare", null, "Loading the homeserver's database…");
            await PgRestoreAsync(reader, Required(manifest, BackupWriter.HomeserverDump), plan.Passphrase, SynapseLayout.PostgresDatabase, null, cancellationToken);
            foreach (var bridge in plan.Bridges.Where(b => b.DatabaseKind == BridgeDatabaseKind.Postgres))
            {
                if (BackupSetReader.Find(manifest, BackupWriter.BridgeDump(bridge.CatalogId)) is { } dump)
                {
                    progress.Progress("prepare", null, $"Loading the database of {bridge.CatalogId}…");
                    var database = HomeserverNames.BridgeDatabase(bridge.CatalogId);
                    await bridgeInstaller.CreateDatabaseAsync(names.RestorePostgres, database, bridgeInstaller.ReadSecrets(bridge).DatabasePassword!, cancellationToken);
                    await PgRestoreAsync(reader, dump, plan.Passphrase, database, database, cancellationToken);
                }
            }

            await docker.StopAsync(names.RestorePostgres, TimeSpan.FromSeconds(30), cancellationToken);
        }
        finally
        {
            await docker.RemoveAsync(names.RestorePostgres, CancellationToken.None);
        }
    }

    private async Task WaitForPostgresAsync(CancellationToken cancellationToken)
    {
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(90);
        while (clock.GetUtcNow() < deadline)
        {
            var ready = await docker.ExecAsync(names.RestorePostgres, PostgresCommands.IsReady, null, cancellationToken);
            if (ready.ExitCode == 0)
            {
                return;
            }

            if (await docker.InspectAsync(names.RestorePostgres, cancellationToken) is { State: "exited" or "dead" })
            {
                throw new DomainException($"PostgreSQL did not start on the new volume:\n{await homeserver.LastLogLinesAsync(names.RestorePostgres, cancellationToken)}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        throw new DomainException("PostgreSQL did not start on the new volume within 90 s.");
    }

    /// <summary>pg_restore reads the (decrypted) dump on stdin; objects belong to <paramref name="role"/> when given.</summary>
    private async Task PgRestoreAsync(BackupSetReader reader, BackupFile dump, string? passphrase, string database, string? role, CancellationToken cancellationToken)
    {
        var command = PostgresCommands.Restore(database, role);
        ExecResult? result = null;
        await PipeAsync(reader, dump, passphrase, async input => result = await docker.ExecAsync(names.RestorePostgres, command, null, cancellationToken, input), cancellationToken);
        if (result!.ExitCode != 0)
        {
            throw new DomainException($"pg_restore into {database} failed: {result.StandardError.Trim()}");
        }
    }

    /// <summary>Streams a tar of the set (decrypted on the way) into the helper container, at the root: its entries are "data/…".</summary>
    private Task ExtractAsync(BackupSetReader reader, BackupFile file, string? passphrase, string helper, CancellationToken cancellationToken) =>
        PipeAsync(reader, file, passphrase, input => docker.WriteArchiveAsync(helper, "/", input, cancellationToken), cancellationToken);

    private async Task WriteSingleFileAsync(BackupSetReader reader, BackupFile file, string? passphrase, string helper, string name, int owner, CancellationToken cancellationToken)
    {
        // A tar entry needs its size first: the clear file goes to a temporary file.
        var temp = Path.GetTempFileName();
        try
        {
            await using (var output = File.Create(temp))
            {
                await reader.CopyClearAsync(file, passphrase, output, cancellationToken);
            }

            using var archive = new MemoryStream();
            await using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Uid = owner,
                    Gid = owner,
                    Mode = (UnixFileMode)0b110_000_000,
                    DataStream = File.OpenRead(temp),
                }, cancellationToken);
            }

            archive.Position = 0;
            await docker.WriteArchiveAsync(helper, "/", archive, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Decrypts (or copies) a file of the set into a pipe that <paramref name="consume"/> reads, without a temporary copy.</summary>
    private static async Task PipeAsync(BackupSetReader reader, BackupFile file, string? passphrase, Func<Stream, Task> consume, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var produce = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await reader.CopyClearAsync(file, passphrase, writer, cancellationToken);
            }
            catch (Exception e)
            {
                failure = e;
                throw;
            }
            finally
            {
                await pipe.Writer.CompleteAsync(failure);
            }
        }, cancellationToken);
        await using (var input = pipe.Reader.AsStream())
        {
            await consume(input);
        }

        await produce;
    }

    private async Task WithHelperAsync(string image, string volume, Func<string, Task> work, CancellationToken cancellationToken)
    {
        await docker.RemoveAsync(names.RestoreHelper, cancellationToken);
        // Never started: the engine writes into the volumes of a created container.
        await docker.CreateAsync(new ContainerSpec
        {
            Name = names.RestoreHelper,
            Image = image,
            Component = "restore",
            Volumes = new Dictionary<string, string> { [volume] = "/data" },
            RestartPolicy = "no",
        }, cancellationToken);
        try
        {
            await work(names.RestoreHelper);
        }
        finally
        {
            await docker.RemoveAsync(names.RestoreHelper, CancellationToken.None);
        }
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

            await RemoveGenerationAsync(generation, restoredBridges, cancellationToken);
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

    private Task RemoveGenerationAsync(int generation, IEnumerable<Bridge> bridges, CancellationToken cancellationToken) =>
        RemoveVolumesAsync(generation, bridges.Select(b => b.CatalogId), cancellationToken);

    private async Task RemoveVolumesAsync(int generation, IEnumerable<string> bridgeIds, CancellationToken cancellationToken)
    {
        await docker.RemoveAsync(names.RestoreHelper, cancellationToken);
        await docker.RemoveAsync(names.RestorePostgres, cancellationToken);
        await docker.RemoveVolumeAsync(names.SynapseData(generation), cancellationToken);
        await docker.RemoveVolumeAsync(names.PostgresData(generation), cancellationToken);
        foreach (var id in bridgeIds)
        {
            await docker.RemoveVolumeAsync(names.BridgeData(id, generation), cancellationToken);
        }
    }

    private static BackupFile Required(BackupManifest manifest, string path) =>
        BackupSetReader.Find(manifest, path) ?? throw new DomainException($"The backup has no {path}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {ServerName} from a backup (data generation {Generation})")]
    private static partial void LogRestored(ILogger logger, string serverName, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bridges did not all come back after the restore: {Error}")]
    private static partial void LogBridgesFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Going back to the previous data after a failed restore also failed")]
    private static partial void LogRollbackFailed(ILogger logger, Exception ex);
}
