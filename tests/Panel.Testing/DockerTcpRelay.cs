using System.Net;
using System.Net.Sockets;

namespace Panel.Testing;

/// <summary>
/// Relays TCP connections on 127.0.0.1 to the engine's Unix socket, byte for byte: a stand-in for
/// a socket proxy in front of the engine, to prove that the panel works through a TCP endpoint.
/// </summary>
public sealed class DockerTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _socketPath;
    private Task? _loop;
    private int _connections;

    public DockerTcpRelay(string socketPath = "/var/run/docker.sock") => _socketPath = socketPath;

    public string Endpoint => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many connections went through, so a test can tell the relay was used.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public DockerTcpRelay Start()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
        return this;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (client)
                using (var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                {
                    try
                    {
                        await engine.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), _stop.Token);
                        await using var upstream = new NetworkStream(engine, ownsSocket: false);
                        var downstream = client.GetStream();
                        await Task.WhenAny(downstream.CopyToAsync(upstream, _stop.Token), upstream.CopyToAsync(downstream, _stop.Token));
                    }
                    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }
}
