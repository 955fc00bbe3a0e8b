using System.Formats.Tar;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using ContainerSpec = Panel.Domain.Containers.ContainerSpec;
using Panel.Infrastructure.Configuration;

namespace Panel.Infrastructure.Docker;

/// <summary>
/// <see cref="IContainerRuntime"/> on the Docker Engine API. Everything it creates carries the
/// ownership labels; it refuses to change a container that this panel instance does not own.
/// </summary>
internal sealed partial class DockerContainerRuntime(DockerClientFactory factory, IOptions<DockerOptions> options, ILogger<DockerContainerRuntime> logger) : IContainerRuntime
{
    private IDockerClient Docker => factory.Client;

    private string Instance => options.Value.NamePrefix;

    public async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) =>
        await CallAsync(async () =>
        {
            try
            {
                await Docker.Images.InspectImageAsync(image, cancellationToken);
                return true;
            }
            catch (DockerImageNotFoundException)
            {
                return false;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        });

    public Task<ImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var i = await Docker.Images.InspectImageAsync(image, cancellationToken);
                return new ImageInfo(i.ID, i.Config?.Entrypoint?.ToList() ?? [], i.Config?.Cmd?.ToList() ?? [], string.IsNullOrEmpty(i.Config?.User) ? null : i.Config.User);
            }
            catch (DockerImageNotFoundException)
            {
                return null;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return (ImageInfo?)null;
            }
        });

    public Task<IReadOnlyList<string>> ListImagesAsync(string contains, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<string>>(async () =>
        {
            var images = await Docker.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
            return images.SelectMany(i => i.RepoTags ?? [])
                .Where(t => t != "<none>:<none>" && t.Contains(contains, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
        });

    public async Task PullImageAsync(string image, IProgress<PullProgress> progress, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitImage(image);
        string? error = null;
        var relay = new Progress<JSONMessage>(m =>
        {
            if (m.Error is not null)
            {
                error = m.Error.Message;
                return;
            }

            progress.Report(new PullProgress(m.ID ?? "", m.Status ?? "", m.Progress?.Current, m.Progress?.Total));
        });
        try
        {
            await CallAsync(async () =>
            {
                await Docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null, relay, cancellationToken);
                return true;
            });
        }
        catch (ContainerEngineException e)
        {
            error ??= e.EngineMessage;
        }

        if (error is not null || !await ImageExistsAsync(image, cancellationToken))
        {
            throw new ImageUnavailableException(
                $"The image {image} is not on this machine and could not be pulled ({error ?? "the registry did not deliver it"}). " +
                "Load it with 'docker load', or build one from Debian packages with deploy/images/build-from-debian.sh and choose homeserver-panel/synapse:<version>.");
        }

        LogPulled(logger, image);
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var existing = await Docker.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
            }, cancellationToken);
            if (existing.Any(n => n.Name == name))
            {
                return true;
            }

            await Docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = name, Driver = "bridge", Labels = OwnedLabels(labels, null) }, cancellationToken);
            LogCreated(logger, "network", name);
            return true;
        });

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var network = await Docker.Networks.InspectNetworkAsync(name, cancellationToken);
                EnsureOwned(network.Labels?.AsReadOnly(), "network " + name);
                await Docker.Networks.DeleteNetworkAsync(name, cancellationToken);
                LogRemoved(logger, "network", name);
            }
            catch (DockerNetworkNotFoundException)
            {
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
            }

            return true;
        });

    public Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var inspect = await Docker.Networks.InspectNetworkAsync(network, cancellationToken);
            EnsureOwned(inspect.Labels?.AsReadOnly(), "network " + network);
            var target = await Docker.Containers.InspectContainerAsync(container, cancellationToken);
            if (inspect.Containers?.ContainsKey(target.ID) != true)
            {
                await Docker.Networks.ConnectNetworkAsync(network, new NetworkConnectParameters { Container = target.ID }, cancellationToken);
            }

            return true;
        });

    public Task EnsureVolumeAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            if (!await VolumeExistsAsync(name, cancellationToken))
            {
                await Docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = name, Labels = OwnedLabels(labels, null) }, cancellationToken);
                LogCreated(logger, "volume", name);
            }

            return true;
        });

    public Task<bool> VolumeExistsAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                await Docker.Volumes.InspectAsync(name, cancellationToken);
                return true;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        });

    public Task RemoveVolumeAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                var volume = await Docker.Volumes.InspectAsync(name, cancellationToken);
                EnsureOwned(volume.Labels?.AsReadOnly(), "volume " + name);
                await Docker.Volumes.RemoveAsync(name, force: true, cancellationToken);
                LogRemoved(logger, "volume", name);
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
            }

            return true;
        });

    public Task<ContainerInfo?> InspectAsync(string nameOrId, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            try
            {
                return ToInfo(await Docker.Containers.InspectContainerAsync(nameOrId, cancellationToken));
            }
            catch (DockerContainerNotFoundException)
            {
                return null;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    public Task<IReadOnlyList<ContainerInfo>> ListOwnedAsync(string? component, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<ContainerInfo>>(async () =>
        {
            var labels = new Dictionary<string, bool> { [$"{OwnershipLabels.Instance}={Instance}"] = true, [$"{OwnershipLabels.Managed}=true"] = true };
            if (component is not null)
            {
                labels[$"{OwnershipLabels.Component}={component}"] = true;
            }

            var list = await Docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
            }, cancellationToken);
            var result = new List<ContainerInfo>();
            foreach (var c in list)
            {
                if (await InspectAsync(c.ID, cancellationToken) is { } info)
                {
                    result.Add(info);
                }
            }

            return result;
        });

    public Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            var host = new HostConfig
            {
                Mounts = spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Key, Target = v.Value }).ToList(),
                RestartPolicy = new RestartPolicy { Name = RestartKind(spec.RestartPolicy) },
                PortBindings = spec.Ports.ToDictionary(
                    p => $"{p.ContainerPort}/tcp",
                    p => (IList<PortBinding>)[new PortBinding { HostIP = p.HostIp, HostPort = p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                NetworkMode = spec.Network ?? "bridge",
            };
            if (spec.MemoryLimitBytes is { } memory)
            {
                host.Memory = memory;
                host.MemorySwap = memory;
            }

            var parameters = new CreateContainerParameters
            {
                Name = spec.Name,
                Image = spec.Image,
                Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
                Labels = OwnedLabels(spec.Labels, spec.Component),
                HostConfig = host,
                ExposedPorts = spec.Ports.ToDictionary(p => $"{p.ContainerPort}/tcp", _ => default(EmptyStruct)),
                Healthcheck = spec.HealthCheck is { } h
                    ? new HealthcheckConfig { Test = h.Test.ToList(), Interval = h.Interval, Timeout = h.Timeout, Retries = h.Retries, StartPeriod = h.StartPeriod }
                    : null,
            };
            if (spec.Command is not null)
            {
                parameters.Cmd = spec.Command.ToList();
            }

            if (spec.Entrypoint is not null)
            {
                parameters.Entrypoint = spec.Entrypoint.ToList();
            }

            if (spec.User is not null)
            {
                parameters.User = spec.User;
            }

            if (spec.Network is not null)
            {
                parameters.NetworkingConfig = new NetworkingConfig
                {
                    EndpointsConfig = new Dictionary<string, EndpointSettings> { [spec.Network] = new() { Aliases = spec.NetworkAliases.ToList() } },
                };
            }

            try
            {
                var created = await Docker.Containers.CreateContainerAsync(parameters, cancellationToken);
                LogCreated(logger, "container", spec.Name);
                return created.ID;
            }
            catch (DockerImageNotFoundException)
            {
                throw new ImageUnavailableException($"The image {spec.Image} is not on this machine.");
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
            {
                throw new ConflictException($"A container named {spec.Name} already exists.");
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound && ApiMessage(e).Contains("image", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageUnavailableException($"The image {spec.Image} is not on this machine.");
            }
        });

    public Task StartAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "start", async id =>
        {
            try
            {
                await Docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            }
            catch (DockerApiException e) when (ApiMessage(e).Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                || ApiMessage(e).Contains("port is already allocated", StringComparison.OrdinalIgnoreCase))
            {
                throw new ConflictException($"The container {nameOrId} cannot start: a port it publishes is already in use on this machine.");
            }
        });

    public Task StopAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "stop", id => Docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)gracePeriod.TotalSeconds }, cancellationToken));

    public Task RestartAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "restart", id => Docker.Containers.RestartContainerAsync(id, new ContainerRestartParameters { WaitBeforeKillSeconds = (uint)gracePeriod.TotalSeconds }, cancellationToken));

    public Task RemoveAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "remove", id => Docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, cancellationToken), missingIsFine: true);

    public Task PauseAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "pause", id => Docker.Containers.PauseContainerAsync(id, cancellationToken));

    public Task UnpauseAsync(string nameOrId, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "unpause", id => Docker.Containers.UnpauseContainerAsync(id, cancellationToken));

    public Task RenameAsync(string nameOrId, string newName, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "rename", id => Docker.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = newName }, cancellationToken));

    public Task WriteFilesAsync(string nameOrId, string directory, IReadOnlyList<ContainerFile> files, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "write files to", async id =>
        {
            using var archive = new MemoryStream();
            await using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                var directories = new HashSet<string>(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    if (file.IsDirectory)
                    {
                        // "./" is the target directory itself: its owner and mode are set like a file's.
                        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, file.Name)
                        {
                            Uid = file.OwnerId,
                            Gid = file.GroupId,
                            Mode = (UnixFileMode)file.Mode,
                            ModificationTime = DateTimeOffset.UtcNow,
                        }, cancellationToken);
                        continue;
                    }

                    // A file in a subdirectory gets the directory first, owned like the file, so that
                    // the process that reads it (Synapse as UID 991, say) can enter it.
                    var parts = file.Name.Split('/');
                    for (var i = 1; i < parts.Length; i++)
                    {
                        var dir = string.Join('/', parts[..i]) + "/";
                        if (directories.Add(dir))
                        {
                            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir)
                            {
                                Uid = file.OwnerId,
                                Gid = file.GroupId,
                                Mode = (UnixFileMode)0b111_101_000,
                                ModificationTime = DateTimeOffset.UtcNow,
                            }, cancellationToken);
                        }
                    }

                    var entry = new PaxTarEntry(TarEntryType.RegularFile, file.Name)
                    {
                        Uid = file.OwnerId,
                        Gid = file.GroupId,
                        Mode = (UnixFileMode)file.Mode,
                        ModificationTime = DateTimeOffset.UtcNow,
                        DataStream = new MemoryStream(file.Content),
                    };
                    await tar.WriteEntryAsync(entry, cancellationToken);
                }
            }

            archive.Position = 0;
            await Docker.Containers.ExtractArchiveToContainerAsync(id, new CopyToContainerParameters { Path = directory, CopyUIDGID = true }, archive, cancellationToken);
        });

    public async Task ReadArchiveAsync(string nameOrId, string path, Func<Stream, Task> consume, CancellationToken cancellationToken)
    {
        // What the consumer does with the stream (write a file, say) fails on its own terms: only
        // the engine's failures become "Docker is unreachable".
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? consumerFailure = null;
        await CallAsync<bool>(async () =>
        {
            Stream? archive;
            try
            {
                archive = (await Docker.Containers.GetArchiveFromContainerAsync(nameOrId, new ContainerPathStatParameters { Path = path }, statOnly: false, cancellationToken)).Stream;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                throw new NotFoundException($"{path} does not exist in the container {nameOrId}.");
            }

            // Buffered: the client's chunked response stream throws on a zero-byte read, which the
            // tar reader issues at some entry ends; the buffer never passes one on.
            await using var stream = new BufferedStream(archive ?? Stream.Null, 1 << 16);
            try
            {
                await consume(stream);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                consumerFailure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }

            return true;
        });
        consumerFailure?.Throw();
    }

    public Task WriteArchiveAsync(string nameOrId, string directory, Stream tar, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "restore files to", id =>
            Docker.Containers.ExtractArchiveToContainerAsync(id, new CopyToContainerParameters { Path = directory, CopyUIDGID = true }, tar, cancellationToken));

    public Task<byte[]?> ReadFileAsync(string nameOrId, string path, CancellationToken cancellationToken) =>
        CallAsync<byte[]?>(async () =>
        {
            try
            {
                var response = await Docker.Containers.GetArchiveFromContainerAsync(nameOrId, new ContainerPathStatParameters { Path = path }, statOnly: false, cancellationToken);
                await using var stream = response.Stream;
                await using var tar = new TarReader(stream ?? Stream.Null);
                while (await tar.GetNextEntryAsync(copyData: true, cancellationToken) is { } entry)
                {
                    if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is not null)
                    {
                        using var copy = new MemoryStream();
                        await entry.DataStream.CopyToAsync(copy, cancellationToken);
                        return copy.ToArray();
                    }
                }

                return null;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    public Task<IReadOnlyList<string>> GetLogsAsync(string nameOrId, int tail, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<string>>(async () =>
        {
            var lines = new List<string>();
            await foreach (var line in ReadLogLinesAsync(nameOrId, tail, follow: false, cancellationToken))
            {
                lines.Add(line);
            }

            return lines;
        });

    public IAsyncEnumerable<string> FollowLogsAsync(string nameOrId, int tail, CancellationToken cancellationToken) =>
        ReadLogLinesAsync(nameOrId, tail, follow: true, cancellationToken);

    public async Task<ExecResult> ExecAsync(string nameOrId, IReadOnlyList<string> command, Stream? standardOutput, CancellationToken cancellationToken, Stream? standardInput = null) =>
        await CallAsync(async () =>
        {
            var exec = await Docker.Exec.CreateContainerExecAsync(nameOrId, new ContainerExecCreateParameters
            {
                Cmd = command.ToList(),
                AttachStdout = true,
                AttachStderr = true,
                AttachStdin = standardInput is not null,
            }, cancellationToken);
            using var stream = await Docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
            if (standardInput is not null)
            {
                await stream.CopyFromAsync(standardInput, cancellationToken);
                stream.CloseWrite();
            }

            using var stdoutBuffer = standardOutput is null ? new MemoryStream() : null;
            using var stderr = new MemoryStream();
            await stream.CopyOutputToAsync(Stream.Null, standardOutput ?? stdoutBuffer!, stderr, cancellationToken);
            var inspect = await Docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken);
            return new ExecResult(inspect.ExitCode ?? -1,
                stdoutBuffer is null ? "" : Encoding.UTF8.GetString(stdoutBuffer.ToArray()),
                Encoding.UTF8.GetString(stderr.ToArray()));
        });

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync(IReadOnlyCollection<string> alsoWatch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<Message>();
        var parameters = new ContainerEventsParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["type"] = new Dictionary<string, bool> { ["container"] = true } },
        };
        var pump = Task.Run(async () =>
        {
            try
            {
                await Docker.System.MonitorEventsAsync(parameters, new SyncProgress<Message>(m => channel.Writer.TryWrite(m)), cancellationToken);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(cancellationToken.IsCancellationRequested ? null : Unavailable(e));
            }
        }, CancellationToken.None);

        await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken))
        {
            var attributes = message.Actor?.Attributes ?? new Dictionary<string, string>();
            attributes.TryGetValue("name", out var name);
            var owned = attributes.TryGetValue(OwnershipLabels.Instance, out var instance) && instance == Instance;
            if (!owned && (name is null || !alsoWatch.Contains(name)))
            {
                continue;
            }

            attributes.TryGetValue(OwnershipLabels.Component, out var component);
            var time = message.TimeNano is { } nanos ? DateTimeOffset.FromUnixTimeMilliseconds(nanos / 1_000_000) : DateTimeOffset.UtcNow;
            yield return new ContainerEvent(time, message.Actor?.ID ?? "", name ?? "", message.Action ?? "", component, new Dictionary<string, string>(attributes));
        }

        await pump;
    }

    public async IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string nameOrId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            // Marked obsolete in favour of the overload that builds the full response model for
            // every reading, which is the cost this avoids (DockerStats).
#pragma warning disable CS0618
            stream = await Docker.Containers.GetContainerStatsAsync(nameOrId, new ContainerStatsParameters { Stream = true }, cancellationToken);
#pragma warning restore CS0618
        }
        catch (Exception e) when (IsUnreachable(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(e);
        }

        await using (stream)
        {
            // The raw stream, read as it comes: the engine writes a reading a second, and the stream
            // ends when the container stops or the engine goes away.
            await using var readings = DockerStats.ReadAsync(stream, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (await NextReadingAsync(readings, cancellationToken))
            {
                if (!DockerStats.IsGap(readings.Current))
                {
                    yield return DockerStats.ToSample(readings.Current);
                }
            }
        }
    }

    private async Task<bool> NextReadingAsync(IAsyncEnumerator<StatsReading> readings, CancellationToken cancellationToken)
    {
        try
        {
            return await readings.MoveNextAsync();
        }
        catch (Exception e) when (IsUnreachable(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(e);
        }
    }

    public Task UpdateMemoryLimitAsync(string nameOrId, long bytes, CancellationToken cancellationToken) =>
        MutateAsync(nameOrId, "update", id => Docker.Containers.UpdateContainerAsync(id, new ContainerUpdateParameters { Memory = bytes, MemorySwap = bytes }, cancellationToken));

    private async IAsyncEnumerable<string> ReadLogLinesAsync(string nameOrId, int tail, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MultiplexedStream stream;
        try
        {
            stream = await Docker.Containers.GetContainerLogsAsync(nameOrId, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Timestamps = false,
                Follow = follow,
                Tail = tail.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            throw new NotFoundException($"There is no container {nameOrId}.");
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unavailable(e);
        }

        using (stream)
        {
            var buffer = new byte[16 * 1024];
            var pending = new StringBuilder();
            while (!cancellationToken.IsCancellationRequested)
            {
                MultiplexedStream.ReadResult read;
                try
                {
                    read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                catch (Exception e) when (IsUnreachable(e))
                {
                    break;
                }

                if (read.EOF)
                {
                    break;
                }

                pending.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
                var text = pending.ToString();
                var lastBreak = text.LastIndexOf('\n');
                if (lastBreak < 0)
                {
                    continue;
                }

                foreach (var line in text[..lastBreak].Split('\n'))
                {
                    yield return line.TrimEnd('\r');
                }

                pending.Clear().Append(text[(lastBreak + 1)..]);
            }

            if (pending.Length > 0)
            {
                yield return pending.ToString();
            }
        }
    }

    private async Task MutateAsync(string nameOrId, string verb, Func<string, Task> action, bool missingIsFine = false)
    {
        var container = await InspectAsync(nameOrId, CancellationToken.None);
        if (container is null)
        {
            if (missingIsFine)
            {
                return;
            }

            throw new NotFoundException($"There is no container {nameOrId}.");
        }

        EnsureOwned(container.Labels, "container " + container.Name);
        await CallAsync(async () =>
        {
            try
            {
                await action(container.Id);
            }
            catch (DockerContainerNotFoundException) when (missingIsFine)
            {
            }

            return true;
        });
        LogMutated(logger, verb, container.Name);
    }

    private void EnsureOwned(IReadOnlyDictionary<string, string>? labels, string what)
    {
        var owned = labels is not null
            && labels.TryGetValue(OwnershipLabels.Managed, out var managed) && managed == "true"
            && labels.TryGetValue(OwnershipLabels.Instance, out var instance) && instance == Instance;
        if (!owned)
        {
            throw new DomainException($"The {what} was not created by this panel, so the panel will not change it.");
        }
    }

    private Dictionary<string, string> OwnedLabels(IReadOnlyDictionary<string, string> labels, string? component)
    {
        var all = new Dictionary<string, string>(options.Value.Labels);
        foreach (var (k, v) in labels)
        {
            all[k] = v;
        }

        all[OwnershipLabels.Managed] = "true";
        all[OwnershipLabels.Instance] = Instance;
        if (component is not null)
        {
            all[OwnershipLabels.Component] = component;
        }

        return all;
    }

    private static ContainerInfo ToInfo(ContainerInspectResponse c)
    {
        var ports = new List<PortPublication>();
        foreach (var (key, bindings) in c.NetworkSettings?.Ports ?? new Dictionary<string, IList<PortBinding>>())
        {
            if (bindings is null || !int.TryParse(key.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture, out var containerPort))
            {
                continue;
            }

            ports.AddRange(bindings.Where(b => int.TryParse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture, out _))
                .Select(b => new PortPublication(containerPort, b.HostIP, int.Parse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture))));
        }

        if (ports.Count == 0)
        {
            // Not running: the configured bindings still say where it will listen.
            foreach (var (key, bindings) in c.HostConfig?.PortBindings ?? new Dictionary<string, IList<PortBinding>>())
            {
                if (bindings is not null && int.TryParse(key.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture, out var containerPort))
                {
                    ports.AddRange(bindings.Where(b => int.TryParse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture, out _))
                        .Select(b => new PortPublication(containerPort, b.HostIP, int.Parse(b.HostPort, System.Globalization.CultureInfo.InvariantCulture))));
                }
            }
        }

        return new ContainerInfo(
            c.ID,
            (c.Name ?? "").TrimStart('/'),
            c.Config?.Image ?? c.Image,
            new Dictionary<string, string>(c.Config?.Labels ?? new Dictionary<string, string>()),
            c.State?.Status ?? "unknown",
            c.State?.Health?.Status,
            ParseTime(c.State?.StartedAt),
            ParseTime(c.State?.FinishedAt),
            c.RestartCount,
            c.State?.OOMKilled ?? false,
            c.State?.ExitCode ?? 0,
            c.HostConfig?.Memory ?? 0,
            ports);
    }

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1
            ? t.ToUniversalTime()
            : null;

    private static RestartPolicyKind RestartKind(string policy) => policy switch
    {
        "always" => RestartPolicyKind.Always,
        "on-failure" => RestartPolicyKind.OnFailure,
        "no" => RestartPolicyKind.No,
        _ => RestartPolicyKind.UnlessStopped,
    };

    internal static (string Name, string Tag) SplitImage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static string ApiMessage(DockerApiException e) => e.ResponseBody ?? e.Message;

    /// <summary>
    /// The engine's own sentence: its error bodies are JSON (<c>{"message":"No command specified"}</c>),
    /// which a person should not have to read.
    /// </summary>
    internal static string EngineMessage(DockerApiException e)
    {
        var body = e.ResponseBody;
        if (!string.IsNullOrWhiteSpace(body) && body.TrimStart().StartsWith('{'))
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                {
                    return text.Trim();
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return string.IsNullOrWhiteSpace(body) ? $"{(int)e.StatusCode} {e.StatusCode}" : body.Trim();
    }

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unavailable(e);
        }
        catch (DockerApiException e)
        {
            // Every refusal the adapter does not turn into a result of its own reaches the caller as
            // the engine's words, so an operation can end with them instead of "an unexpected error".
            throw new ContainerEngineException(EngineMessage(e), e);
        }
    }

    private static bool IsUnreachable(Exception e) =>
        e is HttpRequestException or SocketException or IOException or TimeoutException
        || (e is TaskCanceledException && e.InnerException is TimeoutException)
        || e.InnerException is SocketException or HttpRequestException;

    private ContainerRuntimeUnavailableException Unavailable(Exception e) =>
        new(DockerEngineProbe.DescribeFailure(factory.Endpoint, e), e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled image {Image}")]
    private static partial void LogPulled(ILogger logger, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created {Kind} {Name}")]
    private static partial void LogCreated(ILogger logger, string kind, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Kind} {Name}")]
    private static partial void LogRemoved(ILogger logger, string kind, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Docker: {Verb} container {Name}")]
    private static partial void LogMutated(ILogger logger, string verb, string name);

    /// <summary>Reports on the calling thread, so that a stream's readings keep their order.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
