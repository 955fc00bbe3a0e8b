using System.Formats.Tar;
using System.IO.Pipelines;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Backups;

/// <summary>
/// Writes a backup set's data into a new generation of volumes, beside the ones in use: Synapse's
/// files and media through a helper container that is never started, the bridges' volumes, and the
/// database dumps through a temporary PostgreSQL on the new volume. Nothing running is touched.
/// </summary>
public sealed class RestoreStaging(
    IContainerRuntime docker,
    ISecretProtector secrets,
    HomeserverContainers homeserver,
    BridgeDatabases bridgeDatabases,
    BridgeRecords bridgeRecords,
    HomeserverNames names,
    TimeProvider clock)
{
    public async Task StageAsync(BackupSetReader reader, BackupRestorer.Plan plan, int generation, OperationContext progress, CancellationToken cancellationToken)
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
                    await bridgeDatabases.CreateAsync(names.RestorePostgres, database, bridgeRecords.ReadSecrets(bridge).DatabasePassword!, cancellationToken);
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

    /// <summary>Removes a generation of volumes (and the helpers that may hold them).</summary>
    public Task RemoveGenerationAsync(int generation, IEnumerable<Bridge> bridges, CancellationToken cancellationToken) =>
        RemoveVolumesAsync(generation, bridges.Select(b => b.CatalogId), cancellationToken);

    public async Task RemoveVolumesAsync(int generation, IEnumerable<string> bridgeIds, CancellationToken cancellationToken)
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
}
