namespace Panel.Domain.Audit;

/// <summary>The names of audited actions, so that the log can be filtered by them.</summary>
public static class AuditActions
{
    public const string Setup = "setup.owner-created";
    public const string Login = "auth.login";
    public const string LoginFailed = "auth.login-failed";
    public const string LockedOut = "auth.locked-out";
    public const string Logout = "auth.logout";
    public const string TwoFactorEnabled = "auth.2fa-enabled";
    public const string TwoFactorDisabled = "auth.2fa-disabled";
    public const string RecoveryCodesGenerated = "auth.recovery-codes-generated";
    public const string PasswordChanged = "auth.password-changed";
    public const string PasswordReset = "auth.password-reset";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string TokenRejected = "token.rejected";
    public const string PanelUserCreated = "panel-user.created";
    public const string PanelUserDeleted = "panel-user.deleted";
}
