using System.Globalization;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Storage;

public sealed record VacuumRequest(bool Full, bool Confirm = false);

/// <summary>What a vacuum will take, before it starts: the database, the largest table, and the room it needs on the database's disk.</summary>
public sealed record VacuumPlan(bool Full, string Database, long DatabaseBytes, string? LargestTable, long NeededBytes, long? FreeBytes, bool BackupFirst);

/// <summary>
/// Gives the database's free pages back to the disk. A plain VACUUM (ANALYZE) runs online on
/// PostgreSQL and only makes room for new rows. VACUUM FULL (and SQLite's VACUUM) rewrite every table:
/// that needs Synapse stopped, room on the disk for a copy of the largest table (of the whole file on
/// SQLite), and a backup first, made by the existing backups when the last one is over an hour old.
/// A failure at any step starts Synapse again and says which step failed.
/// </summary>
public sealed class DatabaseMaintenance(
    HomeserverAccess homeserver,
    SynapseDatabase database,
    StorageInspector inspector,
    HomeserverContainers containers,
    HomeserverOperations operations,
    HomeserverNames names,
    IContainerRuntime docker,
    AfterBackup afterBackup)
{
    public const string Kind = "storage.vacuum";

    // Tables at least this large are vacuumed one by one, with progress; the rest in one command.
    private const long OneByOneBytes = 1 << 20;

    public async Task<VacuumPlan> PlanAsync(bool full, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken) ?? throw new ConflictException("The homeserver is not installed.");
        d.EnsureManaged();
        var postgres = d.Database == HomeserverDatabase.Postgres;
        if (!full && !postgres)
        {
            throw new DomainException("SQLite has no online VACUUM that gives space back: choose the full one (Synapse stops while it runs).");
        }

        var size = await database.SizeAsync(d, cancellationToken);
        var tables = await inspector.TablesAsync(d, cancellationToken);
        var largest = tables.Count > 0 ? tables[0] : null;
        // VACUUM FULL writes a new copy of each table before it drops the old one; SQLite's VACUUM
        // copies the whole file (and journals it).
        var needed = !full ? 0 : postgres ? largest?.Bytes ?? 0 : size;
        var free = await FreeBytesAsync(d, cancellationToken);
        var backedUp = await afterBackup.HasRecentAsync(cancellationToken);
        return new VacuumPlan(full, postgres ? "postgres" : "sqlite", size, largest?.Name, needed, free, full && !backedUp);
    }

    /// <summary>Starts the vacuum (after a backup when one is due); returns the plan it follows.</summary>
    public async Task<VacuumPlan> StartAsync(VacuumRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        // Asked before anything is read: the plan measures the database.
        if (request.Full && !request.Confirm)
        {
            throw new DomainException("VACUUM FULL stops Synapse until it is done (minutes on a large database). Send confirm: true to run it.");
        }

        var plan = await PlanAsync(request.Full, cancellationToken);

        if (plan.FreeBytes is { } free && free < plan.NeededBytes)
        {
            throw new DomainException($"Not enough free disk for the copy VACUUM makes: it needs {new ByteSize(plan.NeededBytes)} "
                + $"({(plan.Database == "postgres" ? $"the largest table, {plan.LargestTable}" : "the whole database file")}), and {new ByteSize(free)} is free. Nothing was stopped.");
        }

        // Only VACUUM FULL stops Synapse and rewrites tables; the online one needs no backup first.
        if (!plan.BackupFirst)
        {
            await StartVacuumAsync(plan, actor, cancellationToken);
            return plan;
        }

        await afterBackup.RunAsync(actor, ct => StartVacuumAsync(plan, actor, ct), cancellationToken);
        return plan;
    }

    private async Task StartVacuumAsync(VacuumPlan plan, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken) ?? throw new ConflictException("The homeserver is not installed.");
        var steps = plan.Full
            ? new List<(string, string)> { ("stop", "Stop Synapse"), ("vacuum", plan.Database == "postgres" ? "VACUUM FULL, table by table" : "VACUUM the SQLite file"), ("start", "Start Synapse"), ("health", "Wait until Synapse is healthy") }
            : [("vacuum", "VACUUM (ANALYZE), online")];
        // Not awaited: the request answers once the vacuum runs; its steps show how far it is.
        _ = operations.Start(Kind, steps, async (progress, ct) =>
        {
            var before = await database.SizeAsync(d, ct);
            if (!plan.Full)
            {
                progress.Start("vacuum");
                await database.ExecuteAsync(d, "VACUUM (ANALYZE)", ct);
                progress.Done("vacuum");
            }
            else
            {
                await OfflineAsync(d, progress, ct);
            }

            var after = await database.SizeAsync(d, ct);
            progress.Outcome($"{(plan.Full ? "VACUUM FULL" : "VACUUM (ANALYZE)")}: the database went from {new ByteSize(before)} to {new ByteSize(after)}");
        },
        subject: plan.Full ? "VACUUM FULL" : "VACUUM",
        audit: new OperationAudit(actor, plan.Full ? "storage.vacuum-full" : "storage.vacuum", plan.Database, $"database {new ByteSize(plan.DatabaseBytes)}"),
        // Whatever failed, Synapse must not stay down: started again (the step says what failed).
        onFailure: async (_, ct) => await StartSynapseAsync(ct));
    }

    private async Task OfflineAsync(HomeserverDeployment d, OperationContext progress, CancellationToken ct)
    {
        progress.Start("stop");
        await docker.StopAsync(names.Synapse, TimeSpan.FromSeconds(30), ct);
        progress.Done("stop");
        progress.Start("vacuum");
        if (d.Database == HomeserverDatabase.Postgres)
        {
            var tables = await inspector.TablesAsync(d, ct, limit: int.MaxValue);
            // Each command is a docker exec (a fraction of a second) and Synapse has some 200 tables,
            // most of a few pages: one by one, they kept Synapse down ten times longer than a restart
            // (P10). The large tables go one by one, with progress; the small ones in one command.
            var large = tables.Where(t => t.Bytes >= OneByOneBytes).ToList();
            var small = tables.Where(t => t.Bytes < OneByOneBytes).ToList();
            var total = Math.Max(1, tables.Sum(t => t.Bytes));
            long done = 0;
            foreach (var (table, index) in large.Select((t, i) => (t, i)))
            {
                progress.Progress("vacuum", 100.0 * done / total, $"{table.Name} ({index + 1} of {large.Count + (small.Count > 0 ? 1 : 0)}, {new ByteSize(table.Bytes)})");
                await database.ExecuteAsync(d, $"VACUUM (FULL, ANALYZE) \"{table.Name}\"", ct);
                done += table.Bytes;
            }

            if (small.Count > 0)
            {
                progress.Progress("vacuum", 100.0 * done / total, $"the {small.Count} small tables together ({new ByteSize(small.Sum(t => t.Bytes))})");
                await database.ExecuteAsync(d, "VACUUM (FULL, ANALYZE) " + string.Join(", ", small.Select(t => $"\"{t.Name}\"")), ct);
            }
        }
        else
        {
            await WithSqliteHelperAsync(d, helper => database.ExecuteInAsync(helper, "VACUUM", ct), ct);
        }

        progress.Done("vacuum");
        progress.Start("start");
        await StartSynapseAsync(ct);
        progress.Done("start");
        await containers.WaitHealthyAsync(progress, "health", d, ct);
    }

    private async Task StartSynapseAsync(CancellationToken ct)
    {
        if (await docker.InspectAsync(names.Synapse, ct) is { IsRunning: false })
        {
            await docker.StartAsync(names.Synapse, ct);
        }
    }

    /// <summary>Synapse's image, idle, on its data volume: Python's sqlite3 for a file nobody else has open.</summary>
    private async Task WithSqliteHelperAsync(HomeserverDeployment d, Func<string, Task> work, CancellationToken ct)
    {
        var helper = names.Synapse + "-maintenance";
        await docker.RemoveAsync(helper, ct);
        await docker.CreateAsync(new ContainerSpec
        {
            Name = helper,
            Image = d.SynapseImage,
            Component = "maintenance",
            Entrypoint = ["sleep"],
            Command = ["infinity"],
            // Synapse's own user: files SQLite creates beside the database (journal, WAL) stay Synapse's.
            User = $"{Panel.Infrastructure.Synapse.SynapseConfig.SynapseUid}:{Panel.Infrastructure.Synapse.SynapseConfig.SynapseUid}",
            Volumes = new Dictionary<string, string> { [names.SynapseData(d.DataGeneration)] = SynapseConfigData },
            RestartPolicy = "no",
        }, ct);
        try
        {
            await docker.StartAsync(helper, ct);
            await work(helper);
        }
        finally
        {
            await docker.RemoveAsync(helper, CancellationToken.None);
        }
    }

    private const string SynapseConfigData = Panel.Infrastructure.Synapse.SynapseConfig.DataDirectory;

    private async Task<long?> FreeBytesAsync(HomeserverDeployment d, CancellationToken ct)
    {
        var (container, path) = d.Database == HomeserverDatabase.Postgres ? (names.Postgres, "/var/lib/postgresql/data") : (names.Synapse, SynapseConfigData);
        var result = await docker.ExecAsync(container, ["df", "-P", "-B1", path], null, ct);
        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault();
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 4 } && long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var free) ? free : null;
    }
}
