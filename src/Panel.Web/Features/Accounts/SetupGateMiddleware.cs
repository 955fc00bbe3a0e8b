namespace Panel.Web.Features.Accounts;

/// <summary>
/// Until an owner exists, every page leads to the setup page; afterwards the setup page is gone.
/// The API, health, OpenAPI and static files are left alone.
/// </summary>
public sealed class SetupGateMiddleware(RequestDelegate next)
{
    public const string SetupPath = "/setup";

    public async Task InvokeAsync(HttpContext context, SetupState state)
    {
        var path = context.Request.Path;
        var isSetup = path.Equals(SetupPath, StringComparison.OrdinalIgnoreCase);
        if (!isSetup && !IsPageRequest(context))
        {
            await next(context);
            return;
        }

        var complete = await state.IsCompleteAsync(context.RequestAborted);
        if (isSetup && complete)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!isSetup && !complete)
        {
            context.Response.Redirect(SetupPath);
            return;
        }

        await next(context);
    }

    private static bool IsPageRequest(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            return false;
        }

        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/_", StringComparison.Ordinal)
            || path.StartsWith("/openapi", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/healthz", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/.well-known", StringComparison.OrdinalIgnoreCase)
            || Path.HasExtension(path))
        {
            return false;
        }

        return true;
    }
}
