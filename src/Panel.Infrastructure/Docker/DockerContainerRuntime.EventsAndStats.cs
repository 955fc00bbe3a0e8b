using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet.Models;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

// The engine's event and stats streams.
internal sealed partial class DockerContainerRuntime
{
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

    /// <summary>Reports on the calling thread, so that a stream's readings keep their order.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
