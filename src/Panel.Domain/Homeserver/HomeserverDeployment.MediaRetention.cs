namespace Panel.Domain.Homeserver;

/// <summary>The deployment's media retention, written into homeserver.yaml.</summary>
public sealed partial class HomeserverDeployment
{
    public int? MediaRetentionRemoteDays { get; private set; }

    public int? MediaRetentionLocalDays { get; private set; }

    public MediaRetention MediaRetention => new(MediaRetentionRemoteDays, MediaRetentionLocalDays);

    public void ApplyMediaRetention(MediaRetention retention)
    {
        retention.Validate();
        MediaRetentionRemoteDays = retention.RemoteMediaDays;
        MediaRetentionLocalDays = retention.LocalMediaDays;
    }
}
