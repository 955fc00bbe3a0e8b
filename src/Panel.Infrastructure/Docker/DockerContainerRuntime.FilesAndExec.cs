using System.Formats.Tar;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Panel.Domain.Common;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

// Files, archives, logs and commands inside containers.
internal sealed partial class DockerContainerRuntime
{
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

    public Task<IReadOnlyList<LogLine>> GetLogsSinceAsync(string nameOrId, DateTimeOffset since, CancellationToken cancellationToken) =>
        CallAsync(() => StampedLinesAsync(ContainerLogLinesAsync(nameOrId, new ContainerLogsParameters { Timestamps = true, Since = EngineTime(since) }, cancellationToken)));

    /// <summary>The engine's form of a time: Unix seconds with nanoseconds.</summary>
    private static string EngineTime(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }

    /// <summary>Lines read with the engine's timestamps ("2026-12-07T18:00:00.123456789Z text"), split into time and text.</summary>
    private static async Task<IReadOnlyList<LogLine>> StampedLinesAsync(IAsyncEnumerable<string> lines)
    {
        var stamped = new List<LogLine>();
        await foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var stamp = space > 0 ? line[..space] : line;
            // .NET reads seven digits of a second's fraction; the engine writes nine.
            var dot = stamp.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && stamp.Length - dot - 2 > 7)
            {
                stamp = string.Concat(stamp.AsSpan(0, dot + 8), "Z");
            }

            if (DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time))
            {
                stamped.Add(new LogLine(time, space > 0 ? line[(space + 1)..] : ""));
            }
        }

        return stamped;
    }

    private IAsyncEnumerable<string> ReadLogLinesAsync(string nameOrId, int tail, bool follow, CancellationToken cancellationToken) =>
        ContainerLogLinesAsync(nameOrId, new ContainerLogsParameters { Follow = follow, Tail = tail.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken);

    /// <summary>The lines of a container's log (both streams); a missing container is <see cref="NotFoundException"/>.</summary>
    private IAsyncEnumerable<string> ContainerLogLinesAsync(string nameOrId, ContainerLogsParameters parameters, CancellationToken cancellationToken)
    {
        parameters.ShowStdout = true;
        parameters.ShowStderr = true;
        return ReadLinesAsync(async () =>
        {
            try
            {
                return await Docker.Containers.GetContainerLogsAsync(nameOrId, parameters, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                throw new NotFoundException($"There is no container {nameOrId}.");
            }
        }, cancellationToken);
    }

    /// <summary>The lines of a log stream (a container's or a service's), as they come.</summary>
    private async IAsyncEnumerable<string> ReadLinesAsync(Func<Task<MultiplexedStream>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        MultiplexedStream stream;
        try
        {
            stream = await open();
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
}
