using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Accounts;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;
using Panel.Web.Hosting;

namespace Panel.Web.Cli;

/// <summary>
/// Headless operations on the same executable and configuration as the server, for scripts and for
/// recovery: <c>dotnet run --project src/Panel.Web -- admin &lt;command&gt;</c>.
/// </summary>
public static class AdminCli
{
    private const string Usage = """
        Usage: Panel.Web admin <command> [options]

        Commands:
          create-owner --username NAME [--email EMAIL] --password-stdin
              Creates the owner account when none exists. The password is read from standard input.
          create-api-token --name NAME [--user USERNAME]
              Issues an API token (for the owner unless --user names another panel account).
              The token is printed once, on the last line.
          reset-owner-password [--username NAME] --password-stdin [--disable-2fa]
              Sets a new password for the owner (or the named account) and lifts any lockout.
              --disable-2fa also turns two-factor authentication off, for a lost phone.

        The commands use the server's configuration (appsettings.json, Panel__* environment variables).
        """;

    public static bool IsAdminCommand(string[] args) => args.Length > 0 && args[0] == "admin";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || args[1] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage);
            return args.Length < 2 ? 2 : 0;
        }

        var command = args[1];
        var options = ParseOptions(args[2..]);
        if (options is null)
        {
            await Console.Error.WriteLineAsync("Options must be given as --name value.\n\n" + Usage);
            return 2;
        }

        // The same configuration sources as the server, but quiet: only warnings, and on stderr,
        // so that a script can read the output.
        var builder = WebApplication.CreateBuilder(PanelHostingExtensions.Options([]));
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPanelCore(builder.Configuration);
        await using var app = builder.Build();
        var services = app.Services;

        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
            return command switch
            {
                "create-owner" => await CreateOwnerAsync(services, options),
                "create-api-token" => await CreateTokenAsync(services, options),
                "reset-owner-password" => await ResetPasswordAsync(services, options),
                _ => await FailAsync($"Unknown command '{command}'.\n\n{Usage}", 2),
            };
        }
        catch (OptionsValidationException ex)
        {
            return await FailAsync("The configuration is not valid:\n  - " + string.Join("\n  - ", ex.Failures), 2);
        }
        catch (DomainException ex)
        {
            return await FailAsync(ex.Message, 1);
        }
        catch (Exception ex)
        {
            // A database that cannot be reached, a data directory that cannot be written: say what
            // failed in one line; the details are for the log, not the terminal.
            return await FailAsync($"The command failed: {ex.GetType().Name}: {ex.Message}", 1);
        }
    }

    private static async Task<int> CreateOwnerAsync(IServiceProvider services, Dictionary<string, string?> options)
    {
        if (!options.TryGetValue("username", out var userName) || string.IsNullOrWhiteSpace(userName))
        {
            return await FailAsync("create-owner needs --username NAME.", 2);
        }

        var password = await ReadPasswordAsync(options);
        if (password is null)
        {
            return await FailAsync("create-owner needs --password-stdin, with the password on standard input.", 2);
        }

        options.TryGetValue("email", out var email);
        var result = await services.GetRequiredService<OwnerSetupService>().CreateOwnerAsync(userName, email, password, AuditActor.Cli, CancellationToken.None);
        if (result.AlreadyDone)
        {
            return await FailAsync("An owner already exists; nothing was changed. To regain access, use reset-owner-password.", 1);
        }

        if (!result.Succeeded)
        {
            return await FailAsync("The owner was not created:\n  - " + string.Join("\n  - ", result.Errors), 1);
        }

        Console.WriteLine($"Created the owner account '{result.Owner!.UserName}'.");
        return 0;
    }

    private static async Task<int> CreateTokenAsync(IServiceProvider services, Dictionary<string, string?> options)
    {
        if (!options.TryGetValue("name", out var name) || string.IsNullOrWhiteSpace(name))
        {
            return await FailAsync("create-api-token needs --name NAME.", 2);
        }

        var userId = await FindAccountIdAsync(services, options.GetValueOrDefault("user"));
        if (userId is null)
        {
            return await FailAsync(options.TryGetValue("user", out var named)
                ? $"There is no panel account named '{named}'."
                : "There is no owner yet: run create-owner first, or finish the setup in the browser.", 1);
        }

        var issued = await services.GetRequiredService<ApiTokenService>().IssueAsync(name, userId, AuditActor.Cli, CancellationToken.None);
        Console.WriteLine($"Created API token '{issued.Token.Name}' for {issued.Token.OwnerUserName}. It is shown once; store it now:");
        Console.WriteLine(issued.PlainText);
        return 0;
    }

    private static async Task<int> ResetPasswordAsync(IServiceProvider services, Dictionary<string, string?> options)
    {
        var userId = await FindAccountIdAsync(services, options.GetValueOrDefault("username"));
        if (userId is null)
        {
            return await FailAsync(options.TryGetValue("username", out var named) ? $"There is no panel account named '{named}'." : "There is no owner yet.", 1);
        }

        var password = await ReadPasswordAsync(options);
        if (password is null)
        {
            return await FailAsync("reset-owner-password needs --password-stdin, with the new password on standard input.", 2);
        }

        var disable2fa = options.ContainsKey("disable-2fa");
        await services.GetRequiredService<PanelAccountService>().ResetPasswordAsync(userId, password, disable2fa, AuditActor.Cli, CancellationToken.None);
        Console.WriteLine(disable2fa ? "Password reset, lockout lifted, two-factor authentication turned off." : "Password reset and lockout lifted.");
        return 0;
    }

    private static async Task<string?> FindAccountIdAsync(IServiceProvider services, string? userName)
    {
        var accounts = services.GetRequiredService<PanelAccountService>();
        if (string.IsNullOrWhiteSpace(userName))
        {
            return (await accounts.FindOwnerAsync())?.Id;
        }

        var all = await accounts.ListAsync(CancellationToken.None);
        return all.FirstOrDefault(a => string.Equals(a.UserName, userName, StringComparison.OrdinalIgnoreCase))?.Id;
    }

    // Passwords never come from arguments: those end up in shell history and in `ps`.
    private static async Task<string?> ReadPasswordAsync(Dictionary<string, string?> options)
    {
        if (!options.ContainsKey("password-stdin"))
        {
            return null;
        }

        var line = await Console.In.ReadLineAsync();
        return line?.TrimEnd('\r', '\n');
    }

    private static Dictionary<string, string?>? ParseOptions(string[] args)
    {
        var flags = new HashSet<string> { "password-stdin", "disable-2fa" };
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            var key = args[i][2..];
            if (flags.Contains(key))
            {
                result[key] = null;
            }
            else if (i + 1 < args.Length)
            {
                result[key] = args[++i];
            }
            else
            {
                return null;
            }
        }

        return result;
    }

    private static async Task<int> FailAsync(string message, int code)
    {
        await Console.Error.WriteLineAsync(message);
        return code;
    }
}
