using Microsoft.AspNetCore.Diagnostics;
using Panel.Web.Api;

namespace Panel.Web.Hosting;

/// <summary>Bodies for bare status codes: problem details for the API, a short page for browsers.</summary>
internal static class StatusCodePages
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        if (ApiExceptionHandler.IsApiRequest(http.Request))
        {
            var (title, detail) = status switch
            {
                400 => ("Bad request", "The request is not valid for this endpoint: check the JSON body, its content type and the parameters."),
                401 => ("Unauthorized", "This endpoint needs an API token: send 'Authorization: Bearer <token>'."),
                403 => ("Forbidden", "Your role does not allow this action."),
                404 => ("Not found", "There is no such endpoint or object."),
                405 => ("Method not allowed", "This endpoint does not take that HTTP method."),
                413 => ("Payload too large", "The request body is too large."),
                415 => ("Unsupported media type", "Send the body as application/json."),
                _ => ("Error", "The request could not be handled."),
            };
            await Problems.WriteAsync(http, status, title, detail);
            return;
        }

        if (status == StatusCodes.Status404NotFound && HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>" +
                "<link rel=\"stylesheet\" href=\"/css/public.css\"></head><body><main class=\"static-main\"><div class=\"card\">" +
                "<h1>Not found</h1><p>There is nothing at this address.</p><p><a href=\"/\">Back to the panel</a></p></div></main></body></html>");
        }
    }
}
