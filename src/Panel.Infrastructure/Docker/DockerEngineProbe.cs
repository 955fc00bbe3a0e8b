using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Panel.Domain.Containers;

namespace Panel.Infrastructure.Docker;

/// <summary>Asks the Docker Engine whether it is there, with a short timeout, and never throws.</summary>
public interface IDockerEngineProbe
{
    Task<EngineStatus> CheckAsync(CancellationToken cancellationToken);
}

internal sealed partial class DockerEngineProbe(DockerClientFactory factory, TimeProvider clock, ILogger<DockerEngineProbe> logger) : IDockerEngineProbe
{
    public async Task<EngineStatus> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var version = await factory.Client.System.GetVersionAsync(timeout.Token);
            return new EngineStatus(true, version.Version, version.APIVersion,
                $"Docker Engine {version.Version} (API {version.APIVersion}) at {factory.Endpoint}", clock.GetUtcNow());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, factory.Endpoint, ex.GetType().Name, ex.Message);
            return new EngineStatus(false, null, null, DescribeFailure(factory.Endpoint, ex), clock.GetUtcNow());
        }
    }

    internal static string DescribeFailure(string endpoint, Exception ex) => ex switch
    {
        OperationCanceledException or TimeoutException =>
            $"The Docker Engine at {endpoint} did not answer in time.",
        DockerApiException api =>
            $"The Docker Engine at {endpoint} answered with an error: {api.StatusCode}.",
        _ when endpoint.StartsWith("unix://", StringComparison.Ordinal) =>
            $"Cannot reach the Docker Engine at {endpoint}. Is dockerd running, and may the panel use its socket?",
        _ => $"Cannot reach the Docker Engine at {endpoint}.",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker Engine at {Endpoint} is unreachable: {Error}: {Detail}")]
    private static partial void LogUnreachable(ILogger logger, string endpoint, string error, string detail);
}
