using System.Net.Sockets;
using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Containers;
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
}
