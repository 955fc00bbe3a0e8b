namespace Panel.Domain.Accounts;

/// <summary>
/// The two roles of the panel. The Owner runs the server and may do everything, including the
/// things that cannot be undone; an Admin helps with the daily work.
/// </summary>
public static class PanelRoles
{
    public const string Owner = "Owner";
    public const string Admin = "Admin";

    /// <summary>Acts on reports and abuse (Moderation page and API), and nothing else: no server, no settings.</summary>
    public const string Moderator = "Moderator";

    public static IReadOnlyList<string> All { get; } = [Owner, Admin, Moderator];
}

/// <summary>The password rules for panel accounts.</summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;
}

/// <summary>The panel's own security policy, set by the Owner.</summary>
public sealed class SecuritySettings
{
    public const int SingletonId = 1;

    private SecuritySettings() { }

    public int Id { get; private set; } = SingletonId;

    /// <summary>Owners must use two-factor authentication: one without it is sent to enrol before anything else.</summary>
    public bool RequireOwnerTwoFactor { get; private set; }

    public static SecuritySettings Default() => new();

    public void SetRequireOwnerTwoFactor(bool required) => RequireOwnerTwoFactor = required;
}
