using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Panel.Testing.Slack;

/// <summary>
/// A STAND-IN for Slack's avatar servers (which cannot be reached from here): a local HTTP endpoint
/// that serves <c>/avatars/{id}.png</c> for the people it knows, and 404 for the others.
/// </summary>
public sealed class SlackAvatarServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<SlackAvatarServer> StartAsync(params string[] people)
    {
        var server = new SlackAvatarServer();
        var port = FreePort.Next();
        server.BaseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(server.BaseUrl);
        builder.Logging.ClearProviders();
        server._app = builder.Build();
        server._app.MapGet("/avatars/{name}", (string name) =>
        {
            server._requests.Enqueue(name);
            return people.Any(p => name == p + ".png") ? Results.Bytes(SlackExportGenerator.Png, "image/png") : Results.NotFound();
        });
        await server._app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
