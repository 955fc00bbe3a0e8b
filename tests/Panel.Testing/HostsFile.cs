namespace Panel.Testing;

/// <summary>
/// Names for this machine's resolver (/etc/hosts), so that a panel on the host finds test servers by
/// the names their containers answer to, as DNS would find them. Entries carry a marker and are
/// removed on dispose; the file is rewritten in place (it can be a bind mount).
/// </summary>
public sealed class HostsFile : IDisposable
{
    private const string Path = "/etc/hosts";
    private static readonly Lock Gate = new();
    private readonly string _marker = "# homeserver-panel test " + Guid.NewGuid().ToString("N")[..8];

    public void Set(string host, string address)
    {
        lock (Gate)
        {
            var lines = File.ReadAllLines(Path).Where(l => !(l.EndsWith(_marker, StringComparison.Ordinal) && l.Split(' ', '\t').Contains(host))).ToList();
            lines.Add($"{address} {host} {_marker}");
            File.WriteAllLines(Path, lines);
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            File.WriteAllLines(Path, File.ReadAllLines(Path).Where(l => !l.EndsWith(_marker, StringComparison.Ordinal)));
        }
    }
}
