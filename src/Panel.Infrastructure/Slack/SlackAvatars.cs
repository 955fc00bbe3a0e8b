using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace Panel.Infrastructure.Slack;

/// <summary>An avatar as downloaded: the image and its type.</summary>
public sealed record SlackAvatar(byte[] Bytes, string ContentType);

/// <summary>
/// People's avatars, which Slack's export only links (on Slack's own servers, readable without
/// signing in). Small images only, quickly or not at all: an import must not wait on them.
/// </summary>
public sealed class SlackAvatars(IHttpClientFactory http)
{
    public const string HttpClientName = "slack-avatars";

    public const int MaxBytes = 2 * 1024 * 1024;

    /// <summary>The image, or null when the link is not one, or does not answer with a small image.</summary>
    public async Task<SlackAvatar?> FetchAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return null;
        }

        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType is not { MediaType: { } type } || !type.StartsWith("image/", StringComparison.Ordinal)
                || response.Content.Headers.ContentLength > MaxBytes)
            {
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var copy = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (copy.Length + read > MaxBytes)
                {
                    return null;
                }

                copy.Write(buffer, 0, read);
            }

            return new SlackAvatar(copy.ToArray(), type);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}

public static class SlackExtensions
{
    /// <summary>What the panel reads from Slack itself: the avatars its exports link.</summary>
    public static IServiceCollection AddSlack(this IServiceCollection services)
    {
        // A short timeout: an avatar is not worth holding an import up for.
        services.AddHttpClient(SlackAvatars.HttpClientName, c =>
        {
            c.Timeout = TimeSpan.FromSeconds(10);
            c.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("HomeserverPanel", "1.0"));
        });
        services.AddSingleton<SlackAvatars>();
        return services;
    }
}
