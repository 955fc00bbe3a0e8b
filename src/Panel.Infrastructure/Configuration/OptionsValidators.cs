using Microsoft.Extensions.Options;

namespace Panel.Infrastructure.Configuration;

// Every validator collects all of its errors and names the exact configuration key, so that a
// wrong setting stops startup with a message that says what to fix.

internal sealed class PanelOptionsValidator : IValidateOptions<PanelOptions>
{
    public ValidateOptionsResult Validate(string? name, PanelOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Panel:DataDirectory must not be empty.");
        }
        else if (options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"Panel:DataDirectory '{options.DataDirectory}' is not a valid path.");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Panel:PublicUrl '{options.PublicUrl}' must be an absolute http or https URL.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        var known = string.Equals(options.Provider, DatabaseProviders.Sqlite, StringComparison.OrdinalIgnoreCase)
            || string.Equals(options.Provider, DatabaseProviders.Postgres, StringComparison.OrdinalIgnoreCase);
        if (!known)
        {
            errors.Add($"Panel:Database:Provider must be '{DatabaseProviders.Sqlite}' or '{DatabaseProviders.Postgres}', not '{options.Provider}'.");
        }
        else if (options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{DatabaseOptions.ConnectionStringKey} is required when Panel:Database:Provider is '{DatabaseProviders.Postgres}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class DockerOptionsValidator : IValidateOptions<DockerOptions>
{
    public ValidateOptionsResult Validate(string? name, DockerOptions options)
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("unix" or "tcp" or "http" or "https" or "npipe"))
        {
            errors.Add($"Panel:Docker:Endpoint '{options.Endpoint}' must be a unix:// socket path or a tcp:// or http(s):// address.");
        }

        // Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; a short lowercase prefix keeps names readable.
        if (string.IsNullOrEmpty(options.NamePrefix) || options.NamePrefix.Length > 20
            || !options.NamePrefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            || !char.IsAsciiLetterLower(options.NamePrefix[0]))
        {
            errors.Add($"Panel:Docker:NamePrefix '{options.NamePrefix}' must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
