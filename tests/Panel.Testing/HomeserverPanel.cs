using System.Net.Http.Json;
using Panel.Web.Features.Homeserver;

namespace Panel.Testing;

/// <summary>
/// A real panel process with its own Docker name prefix, an owner, an API token, and helpers to
/// install a homeserver and wait for it. Everything it creates in Docker is removed on dispose.
/// </summary>
public class HomeserverPanel : IAsyncDisposable
{
    public HomeserverPanel(IDictionary<string, string>? environment = null, string? instance = null, string? dataDirectory = null)
    {
        Instance = instance ?? "t" + Guid.NewGuid().ToString("N")[..8];
        var env = new Dictionary<string, string>
        {
            ["Panel__Docker__NamePrefix"] = Instance,
            ["Panel__Docker__Labels__homeserver-panel.test"] = "true",
            ["Panel__Homeserver__HealthTimeoutSeconds"] = "120",
            ["Panel__RateLimits__Scale"] = "1000",
        };
        // Tests sign in and register far more often than people do: lift Synapse's rate limits.
        foreach (var limit in new[] { "rc_login__address", "rc_login__account", "rc_login__failed_attempts", "rc_registration", "rc_message", "rc_joins__local", "rc_joins__remote", "rc_invites__per_room", "rc_invites__per_user", "rc_invites__per_issuer", "rc_registration_token_validity", "rc_admin_redaction" })
        {
            env[$"Panel__Homeserver__SynapseConfig__{limit}__per_second"] = "1000";
            env[$"Panel__Homeserver__SynapseConfig__{limit}__burst_count"] = "1000";
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        Process = new PanelProcess(dataDirectory ?? TestEnvironment.NewTempDirectory("panel-hs"), env);
    }

    public string Instance { get; }

    public PanelProcess Process { get; private set; }

    public string Token { get; private set; } = "";

    /// <summary>The panel's API, typed; <see cref="PanelApi.Http"/> for raw requests.</summary>
    public PanelApi Api { get; private set; } = default!;

    public string SynapseContainer => $"{Instance}-synapse";

    public string PostgresContainer => $"{Instance}-postgres";

    public async Task StartAsync(bool createOwner = true)
    {
        if (createOwner)
        {
            Token = await Process.CreateOwnerAndTokenAsync();
        }

        await Process.StartAsync();
        Api = new PanelApi(Process.CreateClient(Token));
    }

    public async Task<HomeserverView> GetHomeserverAsync() => await Api.HomeserverAsync();

    public async Task InstallAsync(string serverName, string database, string? image = null)
    {
        var response = await Api.Http.PostAsJsonAsync("/api/v1/homeserver/install", new InstallRequest
        {
            ServerName = serverName,
            Database = database,
            Image = image ?? TestEnvironment.SynapseImage,
            DatabaseImage = TestEnvironment.PostgresImage,
            MemoryLimitMb = 1024,
        });
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"install answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{Process.Output}");
        }
    }

    /// <summary>Waits until the running operation (if any) has finished and /health answers.</summary>
    /// <param name="timeout">How long to wait at most (3 minutes).</param>
    /// <param name="pollInterval">How often to ask (500 ms); the bench asks as often as it polls its baseline.</param>
    public async Task<HomeserverView> WaitUntilHealthyAsync(TimeSpan? timeout = null, TimeSpan? pollInterval = null)
    {
        try
        {
            var view = await Eventually.UntilAsync(GetHomeserverAsync,
                v => v.Operation is not { FinishedAt: null } && (v is { Phase: "installed", Health: "healthy" } || v.Phase == "failed"),
                timeout ?? TimeSpan.FromMinutes(3), "A healthy homeserver", pollInterval ?? TimeSpan.FromMilliseconds(500));
            return view.Phase == "failed" ? throw new InvalidOperationException("The install failed: " + view.LastError) : view;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nPanel output:\n{Process.Output}", e);
        }
    }

    /// <summary>Waits until the current operation has finished; returns the final view.</summary>
    public async Task<HomeserverView> WaitForOperationAsync(string kind, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.UntilAsync(GetHomeserverAsync,
                view => view.Operation is { FinishedAt: not null } op && op.Kind == kind,
                timeout ?? TimeSpan.FromMinutes(3), $"The end of the {kind} operation", TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Process.Output}", e);
        }
    }

    /// <summary>The homeserver's client API on 127.0.0.1, as the panel publishes it.</summary>
    public async Task<string> ClientUrlAsync() => (await GetHomeserverAsync()).ClientUrl!;

    /// <summary>Restarts the panel process on the same data directory (for crash tests).</summary>
    public async Task RestartProcessAsync(bool kill)
    {
        if (kill)
        {
            Process.Kill();
        }
        else
        {
            await Process.DisposeAsync();
        }

        var data = Process.DataDirectory;
        var port = Process.Port;
        var env = Process.Environment;
        Process = new PanelProcess(data, env, port);
        await Process.StartAsync();
        Api = new PanelApi(Process.CreateClient(Token));
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await DockerTestHelper.RemoveInstanceAsync(Instance);
        GC.SuppressFinalize(this);
    }
}
