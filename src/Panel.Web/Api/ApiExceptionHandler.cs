using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;

namespace Panel.Web.Api;

/// <summary>
/// Turns exceptions into problem details for API callers. Domain errors keep their message (it is
/// written for people); anything else becomes a plain 500 with a trace id, never a stack trace.
/// Page requests fall through to the error page.
/// </summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The middleware has already pointed Request.Path at the error page; the feature keeps the original.
        var originalPath = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path;
        if (!IsApiPath(originalPath))
        {
            return false;
        }

        httpContext.Request.Path = originalPath;

        var (status, title, detail) = Describe(exception);
        if (status >= 500)
        {
            LogUnhandled(logger, originalPath, exception);
        }

        await Problems.WriteAsync(httpContext, status, title, detail);
        return true;
    }

    public static bool IsApiRequest(HttpRequest request) => IsApiPath(request.Path);

    public static bool IsApiPath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/stripe");

    internal static (int Status, string Title, string Detail) Describe(Exception exception) => exception switch
    {
        ContainerRuntimeUnavailableException e => (StatusCodes.Status503ServiceUnavailable, "Docker is unreachable", e.Message),
        HomeserverException { StatusCode: null } e => (StatusCodes.Status502BadGateway, "The homeserver cannot be reached", e.Message),
        Features.Invites.InviteGoneException e => (StatusCodes.Status410Gone, "Gone", e.Message),
        HomeserverException { StatusCode: 401 } e => (StatusCodes.Status502BadGateway, "The homeserver refused the panel", e.Message),
        NotFoundException e => (StatusCodes.Status404NotFound, "Not found", e.Message),
        ConflictException e => (StatusCodes.Status409Conflict, "Conflict", e.Message),
        DomainException e => (StatusCodes.Status400BadRequest, "Bad request", e.Message),
        BadHttpRequestException e when e.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (StatusCodes.Status413PayloadTooLarge, "Payload too large", "The request body is too large."),
        BadHttpRequestException e when e.InnerException is JsonException =>
            (StatusCodes.Status400BadRequest, "Bad request", "The request body is not valid JSON for this endpoint."),
        BadHttpRequestException e => (e.StatusCode, "Bad request", Sanitize(e.Message)),
        JsonException => (StatusCodes.Status400BadRequest, "Bad request", "The request body is not valid JSON for this endpoint."),
        OperationCanceledException => (499, "Cancelled", "The request was cancelled."),
        _ => (StatusCodes.Status500InternalServerError, "Internal error", "Something went wrong on the panel. The details are in the panel's log."),
    };

    // Binding messages name parameters and types, which is useful; they never contain values.
    private static string Sanitize(string message) => message.Length > 300 ? message[..300] : message;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, string path, Exception ex);
}
