using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace Panel.Testing;

/// <summary>
/// The real panel, started as its own process from its build output, the way a user runs it. Its
/// output is captured so that tests can read the logs (and search them for secrets).
/// </summary>
public sealed class PanelProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    public PanelProcess(string dataDirectory, IDictionary<string, string>? environment = null, int? port = null)
    {
        DataDirectory = dataDirectory;
        Port = port ?? FreePort.Next();
        _environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = BaseUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Panel__DataDirectory"] = dataDirectory,
            ["Panel__Docker__Endpoint"] = TestEnvironment.DockerEndpoint,
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            _environment[key] = value;
        }
    }

    public string DataDirectory { get; }

    /// <summary>The environment the process runs with (without the inherited one).</summary>
    public IDictionary<string, string> Environment => _environment;

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Everything the process wrote, stdout and stderr interleaved.</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process?.HasExited ?? true;

    /// <summary>The running panel's process id (for reading its memory from /proc).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The panel is not running.");

    /// <summary>
    /// The panel's entry assembly: PANEL_TEST_PANEL_DLL when set (tests/run.sh and the bench point it
    /// at the self-contained, trimmed publish, which is what users run), else the solution's build output.
    /// </summary>
    public static string PanelDll =>
        System.Environment.GetEnvironmentVariable("PANEL_TEST_PANEL_DLL") is { Length: > 0 } published ? published : Path.Combine(TestEnvironment.RepoRoot, "src", "Panel.Web", "bin", TestEnvironment.BuildConfiguration, "net10.0", "Panel.Web.dll");

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        _process = Launch([PanelDll], redirectInput: false);
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        // 503 counts: the panel is up and says what is unhealthy (an engine that is not there, say).
        await Eventually.UntilAsync(async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The panel exited with code {_process.ExitCode} while starting:\n{Output}");
                }

                try
                {
                    return (int)(await http.GetAsync("/healthz")).StatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return 0;
                }
            }, status => status is 200 or 503, timeout ?? TimeSpan.FromSeconds(60), () => $"The panel's answer to /healthz:\n{Output}", TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Kills the process at once, as a crash or a power cut would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>Runs <c>Panel.Web admin ...</c> with the same configuration; returns exit code and output.</summary>
    public async Task<CliResult> RunCliAsync(string[] args, string? standardInput = null)
    {
        using var process = Launch([PanelDll, "admin", .. args], redirectInput: true, capture: false);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteLineAsync(standardInput);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public HttpClient CreateClient(string? bearerToken = null)
    {
        var client = new HttpClient(new ServerErrorHandler(this)) { BaseAddress = new Uri(BaseUrl) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    /// <summary>Creates the owner and an API token with the CLI; returns the token.</summary>
    public async Task<string> CreateOwnerAndTokenAsync(string userName = "owner", string password = "correct horse battery staple")
    {
        var owner = await RunCliAsync(["create-owner", "--username", userName, "--password-stdin"], password);
        if (owner.ExitCode != 0)
        {
            throw new InvalidOperationException("create-owner failed: " + owner.StandardError);
        }

        var token = await RunCliAsync(["create-api-token", "--name", "tests"]);
        if (token.ExitCode != 0)
        {
            throw new InvalidOperationException("create-api-token failed: " + token.StandardError);
        }

        return token.LastLine;
    }

    public async Task<T> GetJsonAsync<T>(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
        }

        return System.Text.Json.JsonSerializer.Deserialize<T>(body, System.Text.Json.JsonSerializerOptions.Web)!;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        await Task.CompletedTask;
    }

    private Process Launch(string[] args, bool redirectInput, bool capture = true)
    {
        if (!File.Exists(PanelDll))
        {
            throw new InvalidOperationException($"The panel is not built at {PanelDll}. Build the solution first (tests/run.sh does).");
        }

        Directory.CreateDirectory(DataDirectory);
        var info = new ProcessStartInfo("dotnet")
        {
            // In its data directory, as the deployments start it (systemd's WorkingDirectory, the
            // image's WORKDIR): the panel must not depend on being started where its files are.
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        if (capture)
        {
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return process;
    }
}

public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string LastLine => StandardOutput.TrimEnd().Split('\n')[^1].Trim();
}

public static class HttpJson
{
    public static Task<HttpResponseMessage> PostJsonAsync<T>(this HttpClient client, string path, T body) => client.PostAsJsonAsync(path, body);
}
