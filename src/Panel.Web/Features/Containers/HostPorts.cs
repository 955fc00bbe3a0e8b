using System.Net;
using System.Net.Sockets;

namespace Panel.Web.Features.Containers;

/// <summary>Ports on 127.0.0.1 for publishing a container's port (Synapse's client API).</summary>
public static class HostPorts
{
    /// <summary>A port that is free now (the engine may still find it taken later; it then says so).</summary>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
