using Microsoft.EntityFrameworkCore;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Bridges;

/// <summary>What the UI and the API do with bridges: browse the catalog, install, watch, restart, upgrade, uninstall.</summary>
public sealed class BridgesService(
    IDbContextFactory<PanelDbContext> contexts,
    IContainerRuntime docker,
    BridgeCatalog catalog,
    BridgeInstaller installer,
    BridgeRecords records,
    BridgeContainer bridgeContainer,
    HomeserverOperations operations,
    HomeserverNames names,
    MetricsStore metrics,
    TimeProvider clock)
{
    public const int MaxLogLines = 5_000;

    public IReadOnlyList<BridgeCatalogEntry> Entries => catalog.Entries;

    public BridgeCatalogEntry? FindEntry(string? id) => catalog.Find(id);

    public async Task<IReadOnlyList<BridgeCatalogItemView>> GetCatalogAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var installed = await db.Bridges.AsNoTracking().ToDictionaryAsync(b => b.CatalogId, b => b.Id, cancellationToken);
        return catalog.Entries.Select(e => ToCatalogView(e, installed.TryGetValue(e.Id, out var id) ? id : null)).ToList();
    }

    public async Task<IReadOnlyList<BridgeView>> ListAsync(CancellationToken cancellationToken)
    {
        var operation = operations.Current;
        List<Bridge> bridges;
        HomeserverDeployment? d;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            bridges = await db.Bridges.AsNoTracking().ToListAsync(cancellationToken);
            d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        }

        var views = new List<BridgeView>();
        foreach (var bridge in bridges.OrderBy(b => b.CreatedAt))
        {
            views.Add(await ToViewAsync(bridge, d, operation, detailed: false, cancellationToken));
        }

        return views;
    }

    public async Task<BridgeView> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        // The operation is read before the records: an operation writes its records before it
        // ends, so a finished operation is never shown next to the records from before it.
        var operation = operations.Current;
        var (bridge, d) = await FindAsync(id, cancellationToken);
        return await ToViewAsync(bridge, d, operation, detailed: true, cancellationToken);
    }

    /// <summary>
    /// Checks everything, records the bridge as installing, and starts the install in the background.
    /// Returns the bridge's id; progress is in <see cref="GetAsync"/>.
    /// </summary>
    public async Task<Guid> InstallAsync(BridgeInstallRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.CatalogId))
        {
            throw new DomainException($"catalogId is required: one of {string.Join(", ", catalog.Entries.Select(e => e.Id))}.");
        }

        var entry = catalog.Find(request.CatalogId)
            ?? throw new DomainException($"There is no bridge '{request.CatalogId}' in the catalog (it has {string.Join(", ", catalog.Entries.Select(e => e.Id))}).");
        var values = entry.Definition.ValidateSettings(request.Settings);
        string? owner = null;
        if (!string.IsNullOrWhiteSpace(request.Owner))
        {
            var parsed = MatrixUserId.Parse(request.Owner.Trim());
            owner = parsed.Value.Length <= MatrixUserId.MaxLength && !parsed.Value.Any(char.IsWhiteSpace)
                ? parsed.Value
                : throw new DomainException("owner must be a Matrix user ID, like @alice:example.org.");
        }

        HomeserverDeployment d;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? throw new ConflictException("Install the homeserver first: bridges connect to it.");
            if (d.Phase != InstallPhase.Installed)
            {
                throw new ConflictException("Install the homeserver first: bridges connect to it.");
            }

            if (d.Mode != HomeserverMode.Managed)
            {
                throw new ConflictException("The panel installs bridges only on a homeserver it runs itself: it must add the registration to Synapse's config and restart it.");
            }

            if (operations.IsBusy)
            {
                throw new ConflictException($"Another operation is running ({operations.Current?.Kind}). Wait for it to finish.");
            }
        }

        // Fails early (503) when Docker is gone, before anything is written.
        await docker.ImageExistsAsync(entry.Definition.Image, cancellationToken);

        var database = entry.Definition.Database switch
        {
            BridgeDatabaseNeed.Postgres when d.Database == HomeserverDatabase.Postgres => BridgeDatabaseKind.Postgres,
            BridgeDatabaseNeed.Postgres or BridgeDatabaseNeed.Sqlite => BridgeDatabaseKind.Sqlite,
            _ => BridgeDatabaseKind.None,
        };
        var secretKeys = entry.Definition.Settings.Where(s => s.Type == BridgeSettingType.Secret).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var choices = new BridgeChoices(values.Where(v => !secretKeys.Contains(v.Key)).ToDictionary(), owner);
        var secret = new BridgeSecrets(
            SynapseConfig.NewSecret(),
            SynapseConfig.NewSecret(),
            database == BridgeDatabaseKind.Postgres ? SynapseConfig.NewSecret(24) : null,
            BridgeFilesGenerator.RandomNames(entry).ToDictionary(n => n, _ => SynapseConfig.NewSecret()),
            values.Where(v => secretKeys.Contains(v.Key)).ToDictionary());

        Guid id;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var existing = await db.Bridges.SingleOrDefaultAsync(b => b.CatalogId == entry.Id, cancellationToken);
            if (existing is { Phase: not BridgePhase.Failed })
            {
                throw new ConflictException($"{entry.Definition.Name} is already installed ({existing.Phase.ToString().ToLowerInvariant()}). Uninstall it first to install it again.");
            }

            if (existing is null)
            {
                var planned = Bridge.Plan(entry.Definition, database, BridgeRecords.WriteChoices(choices), records.ProtectSecrets(secret), clock.GetUtcNow());
                db.Bridges.Add(planned);
                id = planned.Id;
            }
            else
            {
                existing.Replan(entry.Definition, database, BridgeRecords.WriteChoices(choices), records.ProtectSecrets(secret));
                id = existing.Id;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                throw new ConflictException($"{entry.Definition.Name} is already being installed.");
            }
        }

        try
        {
            _ = operations.Start("bridge-install", BridgeInstaller.InstallSteps, (progress, ct) => installer.InstallAsync(id, progress, ct), subject: id.ToString(),
                audit: new OperationAudit(actor, "bridge.install", entry.Id,
                    $"{entry.Definition.Image}, database {database.ToString().ToLowerInvariant()}" + (owner is null ? "" : $", admin {owner}")));
        }
        catch (ConflictException)
        {
            // Another operation won the race since the check above: the bridge stays failed, to retry.
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            var b = await db.Bridges.SingleAsync(x => x.Id == id, CancellationToken.None);
            b.MarkFailed("Another operation was running; install again.");
            await db.SaveChangesAsync(CancellationToken.None);
            throw;
        }

        return id;
    }

    public async Task RestartAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        var (bridge, _) = await FindInstalledAsync(id, cancellationToken);
        _ = operations.Start("bridge-restart", [("restart", "Restart the bridge"), ("ready", "Wait until Synapse reaches it")],
            (progress, ct) => installer.RestartAsync(id, progress, ct), subject: id.ToString(), audit: new OperationAudit(actor, "bridge.restart", bridge.CatalogId));
    }

    public async Task UpgradeAsync(Guid id, string? image, AuditActor actor, CancellationToken cancellationToken)
    {
        var (bridge, _) = await FindInstalledAsync(id, cancellationToken);
        var target = string.IsNullOrWhiteSpace(image) ? catalog.Find(bridge.CatalogId)?.Definition.Image : image.Trim();
        if (target is null || target.Any(char.IsWhiteSpace) || !target.Contains(':', StringComparison.Ordinal))
        {
            throw new DomainException("image must be an image with a tag, like dock.mau.dev/mautrix/signal:v0.2512.0.");
        }

        if (target == bridge.Image)
        {
            throw new DomainException($"The bridge already runs {target}.");
        }

        _ = operations.Start("bridge-upgrade", [("image", "Get the new image"), ("replace", "Replace the container (same volume)"), ("ready", "Wait until Synapse reaches it")],
            (progress, ct) => installer.UpgradeAsync(id, target, progress, ct), subject: id.ToString(), audit: new OperationAudit(actor, "bridge.upgrade", bridge.CatalogId, $"{bridge.Image} → {target}"));
    }

    public async Task UninstallAsync(Guid id, bool deleteData, string? confirm, AuditActor actor, CancellationToken cancellationToken)
    {
        var (bridge, _) = await FindAsync(id, cancellationToken);
        if (deleteData && !string.Equals(confirm?.Trim(), bridge.CatalogId, StringComparison.Ordinal))
        {
            throw new DomainException($"Deleting the bridge's data (its database and volume: logins, portal rooms) cannot be undone. To confirm, give confirm={bridge.CatalogId}.");
        }

        if (bridge.Phase == BridgePhase.Installing && operations.Current is { IsRunning: true, Subject: { } s } && s == id.ToString())
        {
            throw new ConflictException("The bridge is still installing. Wait for it to finish or fail.");
        }

        _ = operations.Start("bridge-uninstall", BridgeInstaller.UninstallSteps,
            (progress, ct) => installer.UninstallAsync(id, deleteData, progress, ct),
            subject: id.ToString(), audit: new OperationAudit(actor, "bridge.uninstall", bridge.CatalogId, deleteData ? "data deleted" : "data kept"));
    }

    public async Task<IReadOnlyList<string>> GetLogsAsync(Guid id, int tail, CancellationToken cancellationToken)
    {
        if (tail is < 1 or > MaxLogLines)
        {
            throw new DomainException($"tail must be between 1 and {MaxLogLines}.");
        }

        var (bridge, _) = await FindAsync(id, cancellationToken);
        if (await docker.InspectAsync(names.Bridge(bridge.CatalogId), cancellationToken) is null)
        {
            return [];
        }

        return await docker.GetLogsAsync(names.Bridge(bridge.CatalogId), tail, cancellationToken);
    }

    public async IAsyncEnumerable<string> FollowLogsAsync(Guid id, int tail, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (bridge, _) = await FindAsync(id, cancellationToken);
        await foreach (var line in docker.FollowLogsAsync(names.Bridge(bridge.CatalogId), tail, cancellationToken))
        {
            yield return line;
        }
    }

    private async Task<BridgeView> ToViewAsync(Bridge bridge, HomeserverDeployment? d, OperationView? current, bool detailed, CancellationToken cancellationToken)
    {
        var entry = catalog.Find(bridge.CatalogId);
        ContainerInfo? container = null;
        var dockerReachable = true;
        try
        {
            container = await docker.InspectAsync(names.Bridge(bridge.CatalogId), cancellationToken);
        }
        catch (ContainerRuntimeUnavailableException)
        {
            dockerReachable = false;
        }

        var status = dockerReachable ? BridgeStatus.Of(bridge, container) : "unknown";
        var health = "unknown";
        string? healthDetail = null;
        if (detailed && status == "running" && d is { Phase: InstallPhase.Installed })
        {
            var ping = await bridgeContainer.PingAsync(bridge, d, cancellationToken);
            health = ping.Result switch
            {
                AppServicePingResult.Answered or AppServicePingResult.ReachedWithError => "healthy",
                AppServicePingResult.NotRegistered => "not-registered",
                AppServicePingResult.HomeserverDown => "homeserver-down",
                _ => "unreachable",
            };
            healthDetail = ping.Detail;
        }

        IReadOnlyList<string> logs = [];
        if (detailed && status is "crashed" or "stopped" or "starting" && container is not null)
        {
            try
            {
                logs = await docker.GetLogsAsync(container.Id, 20, cancellationToken);
            }
            catch (Exception e) when (e is DomainException or ContainerRuntimeUnavailableException)
            {
                logs = ["(the logs could not be read)"];
            }
        }

        var choices = BridgeRecords.ReadChoices(bridge);
        var operation = current is { Subject: { } subject } && subject == bridge.Id.ToString() ? current : null;
        return new BridgeView(
            bridge.Id,
            bridge.CatalogId,
            entry?.Definition.Name ?? bridge.CatalogId,
            entry?.Definition.Network ?? "",
            bridge.Image,
            entry?.Definition.Image,
            status,
            health,
            healthDetail,
            bridge.Phase.ToString().ToLowerInvariant(),
            bridge.LastError,
            d is null || entry is null ? null : entry.Definition.BotUserId(d.ServerName),
            d is null || entry is null ? null : entry.Definition.Instructions(d.ServerName),
            bridge.DatabaseKind.ToString().ToLowerInvariant(),
            choices.Owner,
            bridge.CreatedAt,
            bridge.InstalledAt,
            container is null ? null : new BridgeContainerView(container.State, container.StartedAt, container.RestartCount, container.ExitCode, container.OomKilled, container.Image),
            container is null ? null : Resources(container.Name),
            logs,
            operation);
    }

    /// <summary>The bridge's CPU and memory now, and its share of all the panel's containers.</summary>
    private BridgeResourcesView? Resources(string containerName)
    {
        var latest = metrics.Latest().Where(l => l.Series.Managed && l.Live).ToList();
        var mine = latest.FirstOrDefault(l => l.Series.ContainerName == containerName);
        if (mine is null)
        {
            return null;
        }

        var cpuTotal = latest.Sum(l => l.Sample.CpuPercent);
        var memoryTotal = latest.Sum(l => (double)l.Sample.MemoryBytes);
        return new BridgeResourcesView(
            mine.Sample.CpuPercent,
            mine.Sample.MemoryBytes,
            cpuTotal > 0 ? mine.Sample.CpuPercent / cpuTotal : null,
            memoryTotal > 0 ? mine.Sample.MemoryBytes / memoryTotal : null,
            mine.Sample.Time);
    }

    private static BridgeCatalogItemView ToCatalogView(BridgeCatalogEntry e, Guid? installedId)
    {
        var d = e.Definition;
        return new BridgeCatalogItemView(
            d.Id, d.Name, d.Network, d.Description, d.Image, d.Port, d.BotLocalpart, d.Database.ToString().ToLowerInvariant(),
            d.Settings.Select(s => new BridgeSettingView(s.Key, s.Label, s.Type switch
            {
                BridgeSettingType.WholeNumber => "integer",
                _ => s.Type.ToString().ToLowerInvariant(),
            }, s.Required, s.Help, s.Default, s.Choices, s.Pattern)).ToList(),
            d.LoginInstructions, d.DocumentationUrl, d.IsTestBridge, installedId);
    }

    private async Task<(Bridge Bridge, HomeserverDeployment? Deployment)> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bridge = await db.Bridges.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken)
            ?? throw new NotFoundException("There is no such bridge.");
        return (bridge, await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken));
    }

    private async Task<(Bridge Bridge, HomeserverDeployment? Deployment)> FindInstalledAsync(Guid id, CancellationToken cancellationToken)
    {
        var found = await FindAsync(id, cancellationToken);
        if (found.Bridge.Phase != BridgePhase.Installed)
        {
            throw new ConflictException($"The bridge is {found.Bridge.Phase.ToString().ToLowerInvariant()}, not installed.");
        }

        return found;
    }
}
