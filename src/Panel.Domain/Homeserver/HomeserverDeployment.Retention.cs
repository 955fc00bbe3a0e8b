namespace Panel.Domain.Homeserver;

/// <summary>The deployment's message retention, written into homeserver.yaml.</summary>
public sealed partial class HomeserverDeployment
{
    public bool RetentionEnabled { get; private set; }

    public int? RetentionDefaultMaxDays { get; private set; }

    public int? RetentionAllowedMaxDays { get; private set; }

    public MessageRetention Retention => new(RetentionEnabled, RetentionDefaultMaxDays, RetentionAllowedMaxDays);

    public void ApplyRetention(MessageRetention retention)
    {
        retention.Validate();
        RetentionEnabled = retention.Enabled;
        RetentionDefaultMaxDays = retention.DefaultMaxLifetimeDays;
        RetentionAllowedMaxDays = retention.AllowedMaxLifetimeDays;
    }
}
