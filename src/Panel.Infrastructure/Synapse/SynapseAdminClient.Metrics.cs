using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Synapse;

internal sealed partial class SynapseAdminClient
{
    /// <summary>Synapse serves its metrics without authentication, on the listener the panel configures with them.</summary>
    public async Task<HomeserverActivity?> GetActivityAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(_base, SynapseMetrics.Path), cancellationToken);
            return response.IsSuccessStatusCode ? SynapseMetrics.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
