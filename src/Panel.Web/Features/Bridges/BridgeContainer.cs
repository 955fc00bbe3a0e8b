using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Bridges;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Bridges;

/// <summary>
/// A bridge's container: what it is created with (its command, volume, network and files, from the
/// catalog and the bridge's settings), and whether the homeserver reaches it.
/// </summary>
public sealed class BridgeContainer(
    IContainerRuntime docker,
    IHomeserverAdminFactory admins,
    BridgeRecords records,
    HomeserverContainers homeserver,
    HomeserverNames names,
    HomeserverEndpoint endpoint,
    IOptions<BridgeOptions> options,
    TimeProvider clock)
{
    /// <summary>Where bridges reach Synapse, on the panel's network.</summary>
    public const string HomeserverAddress = "http://synapse:8008";

    /// <summary>The label that names the catalog entry a bridge container belongs to.</summary>
    public const string Label = "homeserver-panel.bridge";

    /// <summary>Asks the homeserver to ping the bridge.</summary>
    public async Task<AppServicePing> PingAsync(Bridge bridge, HomeserverDeployment d, CancellationToken cancellationToken) =>
        await admins.PingAppServiceAsync(endpoint.BaseUrlFor(d), bridge.CatalogId, records.ReadSecrets(bridge).AsToken, cancellationToken);

    public BridgeContext BuildContext(Bridge bridge, BridgeCatalogEntry entry, HomeserverDeployment d)
    {
        var secret = records.ReadSecrets(bridge);
        var choices = BridgeRecords.ReadChoices(bridge);
        var database = HomeserverNames.BridgeDatabase(entry.Id);
        return new BridgeContext
        {
            ServerName = d.ServerName,
            HomeserverAddress = HomeserverAddress,
            AppServiceAddress = AppServiceAddress(entry),
            AsToken = secret.AsToken,
            HsToken = secret.HsToken,
            Database = bridge.DatabaseKind,
            DatabaseUri = bridge.DatabaseKind switch
            {
                BridgeDatabaseKind.Postgres => $"postgres://{database}:{secret.DatabasePassword}@db/{database}?sslmode=disable",
                BridgeDatabaseKind.Sqlite => $"file:{BridgeCatalog.DataDirectory}/{entry.Id}.db?_txlock=immediate",
                _ => "",
            },
            Owner = choices.Owner,
            Settings = choices.Settings.Concat(secret.SecretSettings).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            Randoms = secret.Randoms,
        };
    }

    public string AppServiceAddress(BridgeCatalogEntry entry) =>
        $"http://{names.Bridge(entry.Id)}:{entry.Definition.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Creates the bridge's container (not started) with its volume, and writes its files into the volume.</summary>
    public async Task PrepareAsync(Bridge bridge, BridgeCatalogEntry entry, HomeserverDeployment d, string image, string name, CancellationToken cancellationToken)
    {
        var context = BuildContext(bridge, entry, d);
        await docker.EnsureVolumeAsync(names.BridgeData(entry.Id, d.DataGeneration), new Dictionary<string, string>(), cancellationToken);
        await docker.EnsureNetworkAsync(names.Network, new Dictionary<string, string>(), cancellationToken);
        if (await docker.InspectAsync(name, cancellationToken) is { } existing)
        {
            await docker.RemoveAsync(existing.Id, cancellationToken);
        }

        await docker.CreateAsync(new ContainerSpec
        {
            Name = name,
            Image = image,
            Component = ContainerComponents.Bridge,
            Labels = new Dictionary<string, string> { [Label] = entry.Id },
            Command = BridgeFilesGenerator.Command(entry, context),
            Network = names.Network,
            Volumes = new Dictionary<string, string> { [names.BridgeData(entry.Id, d.DataGeneration)] = BridgeCatalog.DataDirectory },
            RestartPolicy = "unless-stopped",
        }, cancellationToken);

        var files = new List<ContainerFile>();
        if (BridgeFilesGenerator.Config(entry, context) is { } config)
        {
            files.Add(new ContainerFile(entry.Files.Config!, Encoding.UTF8.GetBytes(config), entry.Files.Uid, entry.Files.Gid, 0b110_000_000));
        }

        if (entry.Files.Registration is { } registrationFile)
        {
            files.Add(new ContainerFile(registrationFile, Encoding.UTF8.GetBytes(Registration(entry, context)), entry.Files.Uid, entry.Files.Gid, 0b110_000_000));
        }

        if (files.Count > 0)
        {
            await docker.WriteFilesAsync(name, BridgeCatalog.DataDirectory, files, cancellationToken);
        }
    }

    private static string Registration(BridgeCatalogEntry entry, BridgeContext context) => BridgeFilesGenerator.Registration(
        AppServiceRegistration.For(entry.Definition, context.ServerName, context.AppServiceAddress, context.AsToken, context.HsToken), entry.RegistrationExtra);

    /// <summary>Waits until the homeserver reaches the bridge, failing early with its log when it keeps dying.</summary>
    internal async Task<string> WaitReadyAsync(BridgeCatalogEntry entry, BridgeSecrets secret, HomeserverDeployment d, OperationContext progress, string step, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.ReadyTimeoutSeconds);
        var started = clock.GetUtcNow();
        var name = names.Bridge(entry.Id);
        AppServicePing? last = null;
        var restartsBefore = (await docker.InspectAsync(name, cancellationToken))?.RestartCount ?? 0;
        while (clock.GetUtcNow() - started < timeout)
        {
            var container = await docker.InspectAsync(name, cancellationToken) ?? throw new DomainException($"The container {name} disappeared.");
            if (container.State is "exited" or "dead" || container.RestartCount - restartsBefore >= 2 || container.OomKilled)
            {
                throw new DomainException($"{entry.Definition.Name} stopped while starting (exit code {container.ExitCode}). Its last log lines:\n{await homeserver.LastLogLinesAsync(name, cancellationToken)}");
            }

            last = await admins.PingAppServiceAsync(endpoint.BaseUrlFor(d), entry.Id, secret.AsToken, cancellationToken);
            if (last.IsUp)
            {
                return last.DurationMs is { } ms
                    ? $"Synapse pings the bridge: answered in {ms} ms."
                    : $"Synapse reaches the bridge ({last.Detail}).";
            }

            var waited = clock.GetUtcNow() - started;
            progress.Progress(step, Math.Min(95, waited / timeout * 100), $"Waiting for the bridge to answer Synapse's ping… ({(int)waited.TotalSeconds} s: {last.Detail})");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        throw new DomainException($"{entry.Definition.Name} did not answer Synapse's ping within {(int)timeout.TotalSeconds} s ({last?.Detail}). Its last log lines:\n{await homeserver.LastLogLinesAsync(name, cancellationToken)}");
    }
}
