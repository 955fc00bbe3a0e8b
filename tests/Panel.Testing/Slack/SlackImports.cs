using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Panel.Web.Features.History;

namespace Panel.Testing.Slack;

/// <summary>A Slack export taken through the panel's API as the History page does: uploaded, then imported.</summary>
public static class SlackImports
{
    public static async Task<Guid> UploadSlackAsync(this HomeserverPanel panel, string path)
    {
        using var body = new StreamContent(File.OpenRead(path));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await panel.Api.Http.PostAsync($"/api/v1/history/slack?fileName={Uri.EscapeDataString(Path.GetFileName(path))}", body);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"The upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<SlackImportView>(PanelApi.Json))!.Id;
    }

    /// <summary>Imports an uploaded export into every channel's room and waits for it to end well.</summary>
    public static async Task<SlackImportView> ImportSlackAsync(this HomeserverPanel panel, Guid id, TimeSpan timeout)
    {
        await panel.Api.PostAsync($"/api/v1/history/slack/{id}/import", new SlackImportRequest(null, null), HttpStatusCode.Accepted);
        var done = await Eventually.UntilAsync(() => panel.Api.GetAsync<SlackImportView>($"/api/v1/history/slack/{id}"), v => v.Status is not ("importing" or "uploaded"),
            timeout, "the import", TimeSpan.FromSeconds(1));
        return done.Status == "done" ? done : throw new InvalidOperationException($"The import ended {done.Status}: {done.LastError}");
    }
}
