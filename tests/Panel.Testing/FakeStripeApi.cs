using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Panel.Testing;

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The form-encoded body as key → value (Stripe's API takes form posts).</summary>
    public IReadOnlyDictionary<string, string> Form =>
        Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : "");
}

/// <summary>
/// A FAKE of Stripe's API (Stripe cannot be reached from here): a local HTTP endpoint that records what
/// the panel sends, answers Checkout Session creation with a minimal session, and serves a stand-in
/// checkout page at the URL it hands out. Only the request side is what the tests check.
/// </summary>
public sealed class FakeStripeApi : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    public async Task StartAsync()
    {
        var port = FreePort.Next();
        BaseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(BaseUrl);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/checkout/sessions", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            _requests.Enqueue(new RecordedRequest("POST", http.Request.Path, http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            var id = "cs_test_" + Guid.NewGuid().ToString("N")[..24];
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync($$"""
                {"id":"{{id}}","object":"checkout.session","livemode":false,"mode":"payment","status":"open","url":"{{BaseUrl}}/pay/{{id}}"}
                """);
        });
        _app.MapGet("/pay/{id}", (string id) => Results.Content($"<!DOCTYPE html><html><body><h1 id=\"fake-checkout\">Fake checkout {id}</h1></body></html>", "text/html"));
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
