using System.Collections.Concurrent;
using System.Formats.Tar;
using System.Runtime.CompilerServices;
using Panel.Domain.Common;
using Panel.Domain.Containers;

namespace Panel.Testing.Fakes;

/// <summary>
/// A FAKE container engine, in memory: images, containers, networks and volumes as plain records. It
/// exists to reach the branches a real engine rarely takes (a refusal half-way through an install, a
/// crash after a switch-over): <see cref="FailOn"/> makes a chosen call throw. Every capability still
/// has its end-to-end test on the real Docker Engine.
/// </summary>
public sealed class FakeContainerRuntime : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImageInfo> _images = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _networks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _volumes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentQueue<(string, IReadOnlyList<string>)> _execs = new();
    private readonly Lock _faultLock = new();
    private readonly List<Fault> _faults = [];
    private readonly List<(string Method, string? Target, Action Action)> _hooks = [];

    /// <summary>The calls made, in order, as "Method target".</summary>
    public IReadOnlyList<string> Calls => _calls.ToArray();

    /// <summary>Every command run in a container, in order; <see cref="AnswerExec"/> says what one answers (null: exit 0, no output).</summary>
    public IReadOnlyList<(string Container, IReadOnlyList<string> Command)> Execs => _execs.ToArray();

    public Func<string, IReadOnlyList<string>, ExecResult?>? AnswerExec { get; set; }

    /// <summary>Adds a local image; with no entry point and no command unless given (like <c>docker import</c>).</summary>
    public FakeContainerRuntime WithImage(string image, IReadOnlyList<string>? entrypoint = null, IReadOnlyList<string>? command = null)
    {
        _images[image] = new ImageInfo("sha256:" + Guid.NewGuid().ToString("N"), entrypoint ?? [], command ?? [], null);
        return this;
    }

    /// <summary>The next call of <paramref name="method"/> (after <paramref name="skip"/> calls) throws <paramref name="error"/>.</summary>
    public void FailOn(string method, Exception error, int skip = 0)
    {
        lock (_faultLock)
        {
            _faults.Add(new Fault(method, error, skip));
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> when <paramref name="method"/> is next called (on <paramref name="target"/>,
    /// a container's name, when given), to arm a fault elsewhere at the right moment.
    /// </summary>
    public void When(string method, Action action, string? target = null)
    {
        lock (_faultLock)
        {
            _hooks.Add((method, target, action));
        }
    }

    public void ClearFaults()
    {
        lock (_faultLock)
        {
            _faults.Clear();
        }
    }

    public FakeContainer? Container(string name) => _containers.TryGetValue(name, out var c) ? c : null;

    public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        Enter(nameof(ImageExistsAsync), image);
        return Task.FromResult(_images.ContainsKey(image));
    }

    public Task<ImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken)
    {
        Enter(nameof(InspectImageAsync), image);
        return Task.FromResult(_images.TryGetValue(image, out var i) ? i : null);
    }

    public Task<IReadOnlyList<string>> ListImagesAsync(string contains, CancellationToken cancellationToken)
    {
        Enter(nameof(ListImagesAsync), contains);
        return Task.FromResult<IReadOnlyList<string>>(_images.Keys.Where(i => i.Contains(contains, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList());
    }

    public Task PullImageAsync(string image, IProgress<PullProgress> progress, CancellationToken cancellationToken)
    {
        Enter(nameof(PullImageAsync), image);
        throw new ImageUnavailableException($"The image {image} is not on this machine and could not be pulled (the fake engine reaches no registry).");
    }

    public Task EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        Enter(nameof(EnsureNetworkAsync), name);
        _networks[name] = true;
        return Task.CompletedTask;
    }

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        Enter(nameof(RemoveNetworkAsync), name);
        _networks.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    public Task ConnectNetworkAsync(string network, string container, CancellationToken cancellationToken, IReadOnlyList<string>? aliases = null)
    {
        Enter(nameof(ConnectNetworkAsync), container);
        return Task.CompletedTask;
    }

    public Task EnsureVolumeAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        Enter(nameof(EnsureVolumeAsync), name);
        _volumes[name] = true;
        return Task.CompletedTask;
    }

    public Task<bool> VolumeExistsAsync(string name, CancellationToken cancellationToken)
    {
        Enter(nameof(VolumeExistsAsync), name);
        return Task.FromResult(_volumes.ContainsKey(name));
    }

    public Task RemoveVolumeAsync(string name, CancellationToken cancellationToken)
    {
        Enter(nameof(RemoveVolumeAsync), name);
        _volumes.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    public Task<ContainerInfo?> InspectAsync(string nameOrId, CancellationToken cancellationToken)
    {
        Enter(nameof(InspectAsync), nameOrId);
        return Task.FromResult(Find(nameOrId)?.ToInfo());
    }

    public Task<IReadOnlyList<ContainerInfo>> ListOwnedAsync(string? component, CancellationToken cancellationToken)
    {
        Enter(nameof(ListOwnedAsync), component ?? "");
        return Task.FromResult<IReadOnlyList<ContainerInfo>>(_containers.Values.Where(c => component is null || c.Spec.Component == component).Select(c => c.ToInfo()).ToList());
    }

    public Task<string> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        Enter(nameof(CreateAsync), spec.Name);
        if (!_images.TryGetValue(spec.Image, out var image))
        {
            throw new ImageUnavailableException($"The image {spec.Image} is not on this machine.");
        }

        if (image.RunsNothing && spec.Command is null && spec.Entrypoint is null)
        {
            // What the real engine answers for a plain imported root.
            throw new ContainerEngineException("No command specified");
        }

        var container = new FakeContainer(Guid.NewGuid().ToString("N"), spec.Name, spec);
        if (!_containers.TryAdd(spec.Name, container))
        {
            throw new ConflictException($"A container named {spec.Name} already exists.");
        }

        return Task.FromResult(container.Id);
    }

    public Task StartAsync(string nameOrId, CancellationToken cancellationToken)
    {
        Enter(nameof(StartAsync), nameOrId);
        Require(nameOrId).State = "running";
        return Task.CompletedTask;
    }

    public Task StopAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        Enter(nameof(StopAsync), nameOrId);
        Require(nameOrId).State = "exited";
        return Task.CompletedTask;
    }

    public Task RestartAsync(string nameOrId, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        Enter(nameof(RestartAsync), nameOrId);
        Require(nameOrId).State = "running";
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string nameOrId, CancellationToken cancellationToken)
    {
        Enter(nameof(RemoveAsync), nameOrId);
        if (Find(nameOrId) is { } c)
        {
            _containers.TryRemove(c.Name, out _);
        }

        return Task.CompletedTask;
    }

    public Task PauseAsync(string nameOrId, CancellationToken cancellationToken)
    {
        Enter(nameof(PauseAsync), nameOrId);
        Require(nameOrId).State = "paused";
        return Task.CompletedTask;
    }

    public Task UnpauseAsync(string nameOrId, CancellationToken cancellationToken)
    {
        Enter(nameof(UnpauseAsync), nameOrId);
        Require(nameOrId).State = "running";
        return Task.CompletedTask;
    }

    public Task RenameAsync(string nameOrId, string newName, CancellationToken cancellationToken)
    {
        Enter(nameof(RenameAsync), nameOrId);
        var c = Require(nameOrId);
        _containers.TryRemove(c.Name, out _);
        c.Name = newName;
        _containers[newName] = c;
        return Task.CompletedTask;
    }

    public Task WriteFilesAsync(string nameOrId, string directory, IReadOnlyList<ContainerFile> files, CancellationToken cancellationToken)
    {
        Enter(nameof(WriteFilesAsync), nameOrId);
        var c = Require(nameOrId);
        foreach (var file in files.Where(f => !f.IsDirectory))
        {
            c.Files[$"{directory.TrimEnd('/')}/{file.Name}"] = file.Content;
        }

        return Task.CompletedTask;
    }

    /// <summary>A tar of the container's files under <paramref name="path"/>, named from its last segment ("data/…"), as the engine sends it.</summary>
    public async Task ReadArchiveAsync(string nameOrId, string path, Func<Stream, Task> consume, CancellationToken cancellationToken)
    {
        Enter(nameof(ReadArchiveAsync), nameOrId);
        var c = Require(nameOrId);
        var root = path.TrimEnd('/');
        var prefix = root[..(root.LastIndexOf('/') + 1)];
        using var archive = new MemoryStream();
        await using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in c.Files.Where(f => f.Key == root || f.Key.StartsWith(root + "/", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name[prefix.Length..]) { DataStream = new MemoryStream(content) }, cancellationToken);
            }
        }

        archive.Position = 0;
        await consume(archive);
    }

    /// <summary>Unpacks a tar's regular files into the container's files, under <paramref name="directory"/>.</summary>
    public async Task WriteArchiveAsync(string nameOrId, string directory, Stream tar, CancellationToken cancellationToken)
    {
        Enter(nameof(WriteArchiveAsync), nameOrId);
        var c = Require(nameOrId);
        // Read whole first, as the engine does: an archive with no entries may be empty, not even
        // the end-of-archive blocks.
        using var buffer = new MemoryStream();
        await tar.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return;
        }

        buffer.Position = 0;
        await using var reader = new TarReader(buffer);
        while (await reader.GetNextEntryAsync(copyData: true, cancellationToken) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                using var content = new MemoryStream();
                await data.CopyToAsync(content, cancellationToken);
                c.Files[$"{directory.TrimEnd('/')}/{entry.Name}"] = content.ToArray();
            }
        }
    }

    public Task<byte[]?> ReadFileAsync(string nameOrId, string path, CancellationToken cancellationToken)
    {
        Enter(nameof(ReadFileAsync), nameOrId);
        return Task.FromResult(Find(nameOrId) is { } c && c.Files.TryGetValue(path, out var content) ? content : null);
    }

    public Task<IReadOnlyList<string>> GetLogsAsync(string nameOrId, int tail, CancellationToken cancellationToken)
    {
        Enter(nameof(GetLogsAsync), nameOrId);
        return Task.FromResult<IReadOnlyList<string>>(Find(nameOrId) is { Logs.IsEmpty: false } c ? [.. c.Logs.TakeLast(tail)] : ["(the fake engine keeps no logs)"]);
    }

    /// <summary>The fake keeps no times: every line it holds counts as written now.</summary>
    public Task<IReadOnlyList<LogLine>> GetLogsSinceAsync(string nameOrId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        Enter(nameof(GetLogsSinceAsync), nameOrId);
        return Task.FromResult<IReadOnlyList<LogLine>>(Find(nameOrId) is { } c ? [.. c.Logs.Select(l => new LogLine(since, l))] : throw new NotFoundException($"There is no container {nameOrId}."));
    }

    public async IAsyncEnumerable<string> FollowLogsAsync(string nameOrId, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Enter(nameof(FollowLogsAsync), nameOrId);
        await WaitForeverAsync(cancellationToken);
        yield break;
    }

    public Task<ExecResult> ExecAsync(string nameOrId, IReadOnlyList<string> command, Stream? standardOutput, CancellationToken cancellationToken, Stream? standardInput = null)
    {
        Enter(nameof(ExecAsync), nameOrId);
        _execs.Enqueue((nameOrId, command));
        return Task.FromResult(AnswerExec?.Invoke(nameOrId, command) ?? new ExecResult(0, "", ""));
    }

    public async IAsyncEnumerable<ContainerEvent> WatchEventsAsync(IReadOnlyCollection<string> alsoWatch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await WaitForeverAsync(cancellationToken);
        yield break;
    }

    public async IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string nameOrId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await WaitForeverAsync(cancellationToken);
        yield break;
    }

    public Task UpdateMemoryLimitAsync(string nameOrId, long bytes, CancellationToken cancellationToken)
    {
        Enter(nameof(UpdateMemoryLimitAsync), nameOrId);
        Require(nameOrId).MemoryLimitBytes = bytes;
        return Task.CompletedTask;
    }

    private static async Task WaitForeverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Enter(string method, string target)
    {
        _calls.Enqueue($"{method} {target}");
        lock (_faultLock)
        {
            var hook = _hooks.FindIndex(h => h.Method == method && (h.Target is null || h.Target == target));
            if (hook >= 0)
            {
                var action = _hooks[hook].Action;
                _hooks.RemoveAt(hook);
                action();
            }

            var i = _faults.FindIndex(f => f.Method == method);
            if (i < 0)
            {
                return;
            }

            var fault = _faults[i];
            if (fault.Skip > 0)
            {
                _faults[i] = fault with { Skip = fault.Skip - 1 };
                return;
            }

            _faults.RemoveAt(i);
            throw fault.Error;
        }
    }

    private FakeContainer? Find(string nameOrId) =>
        _containers.TryGetValue(nameOrId, out var c) ? c : _containers.Values.FirstOrDefault(x => x.Id == nameOrId);

    private FakeContainer Require(string nameOrId) => Find(nameOrId) ?? throw new NotFoundException($"There is no container {nameOrId}.");

    private sealed record Fault(string Method, Exception Error, int Skip);
}
