namespace Panel.Testing;

/// <summary>
/// The panel never answers 500 on purpose (no stack traces reach a user), so a 500 is always a
/// bug. This handler turns it into a failure that carries the panel's own log around it: without
/// that, a 500 on CI says nothing about its cause once the run's panel is gone.
/// </summary>
public sealed class ServerErrorHandler(PanelProcess panel) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
{
    private const int LogLines = 80;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.InternalServerError)
        {
            // 502 and 503 are real answers (the homeserver or the engine is down, and the body says so).
            return response;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var log = panel.Output.Split('\n');
        throw new HttpRequestException(
            $"{request.Method} {request.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}\n" +
            $"--- the panel's last {Math.Min(LogLines, log.Length)} log lines ---\n" + string.Join('\n', log.TakeLast(LogLines)),
            null, response.StatusCode);
    }
}
