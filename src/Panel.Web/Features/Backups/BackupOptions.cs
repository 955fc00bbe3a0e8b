using Microsoft.Extensions.Options;
using Panel.Infrastructure.Configuration;

namespace Panel.Web.Features.Backups;

public sealed class BackupOptions
{
    public const string Section = "Panel:Backups";

    /// <summary>Where backup sets go; default: the "backups" folder of the data directory.</summary>
    public string? Directory { get; set; }
}

/// <summary>The backup directory, resolved once from the options.</summary>
public sealed class BackupLocation(IOptions<BackupOptions> options, IOptions<PanelOptions> panel)
{
    public string Root => Path.GetFullPath(string.IsNullOrWhiteSpace(options.Value.Directory)
        ? Path.Combine(panel.Value.DataDirectoryFullPath, "backups")
        : options.Value.Directory);

    public string SetDirectory(string name) => Path.Combine(Root, name);
}

internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        if (options.Directory is { Length: > 0 } dir && (dir.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || !Path.IsPathFullyQualified(dir)))
        {
            return ValidateOptionsResult.Fail($"{BackupOptions.Section}:Directory must be an absolute path, like /var/backups/homeserver-panel.");
        }

        return ValidateOptionsResult.Success;
    }
}
