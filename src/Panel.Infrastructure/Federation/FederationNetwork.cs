using System.Net;
using System.Net.Sockets;

namespace Panel.Infrastructure.Federation;

/// <summary>
/// The two name lookups a Matrix server makes: a host's addresses and the _matrix-fed._tcp SRV
/// record. Its own seam so that tests can point names at loopback addresses without a DNS server.
/// </summary>
public class FederationNetwork
{
    public virtual async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return [];
        }
    }

    /// <summary>The target and port of an SRV record, or null when there is none.</summary>
    public virtual async Task<(string Target, int Port)?> SrvAsync(string name, CancellationToken cancellationToken)
    {
        var lookup = new DnsClient.LookupClient(new DnsClient.LookupClientOptions { UseCache = false, Timeout = TimeSpan.FromSeconds(5), Retries = 1, ThrowDnsErrors = false });
        DnsClient.IDnsQueryResponse answer;
        try
        {
            answer = await lookup.QueryAsync(name, DnsClient.QueryType.SRV, cancellationToken: cancellationToken);
        }
        catch (DnsClient.DnsResponseException)
        {
            // No DNS server answered: as far as anyone can tell, there is no record.
            return null;
        }

        return answer.Answers.SrvRecords().OrderBy(r => r.Priority).ThenByDescending(r => r.Weight).Select(r => ((string Target, int Port)?)(r.Target.Value.TrimEnd('.'), r.Port)).FirstOrDefault();
    }
}
