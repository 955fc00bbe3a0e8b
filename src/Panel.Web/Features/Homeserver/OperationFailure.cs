using Panel.Domain.Common;
using Panel.Domain.Containers;

namespace Panel.Web.Features.Homeserver;

/// <summary>
/// Turns whatever stopped an operation into a sentence a person can act on. Domain failures already
/// are one; anything else (an engine refusal the adapter did not expect, a bug) is named with the
/// step it stopped and what it said, so that no operation ends in "an unexpected error" alone.
/// </summary>
public static class OperationFailure
{
    /// <summary>
    /// True for every exception that ends an operation as failed; false only for the cancellation of a
    /// panel that is shutting down (that work is interrupted, and resumed or rolled back on the next start).
    /// </summary>
    public static bool Fails(Exception e, CancellationToken stopping) => e is not OperationCanceledException || !stopping.IsCancellationRequested;

    public static string Describe(Exception e, string? step = null)
    {
        var at = step is null ? "" : $"\"{step}\" failed: ";
        return e switch
        {
            DomainException or ContainerRuntimeUnavailableException => e.Message,
            IOException or UnauthorizedAccessException => $"{at}a file could not be read or written ({e.Message}).",
            HttpRequestException => $"{at}a connection failed ({e.Message}).",
            TimeoutException or OperationCanceledException => $"{at}it took too long and was given up ({e.Message}).",
            _ => $"{at}{e.Message.TrimEnd('.')} ({e.GetType().Name}). The panel's log has the details.",
        };
    }
}
