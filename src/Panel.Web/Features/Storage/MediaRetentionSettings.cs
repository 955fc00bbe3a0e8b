using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Storage;

public sealed record MediaRetentionRequest(int? RemoteMediaDays, int? LocalMediaDays, bool Confirm = false);

public sealed record MediaRetentionView(int? RemoteMediaDays, int? LocalMediaDays, string Description);

/// <summary>
/// Synapse's media_retention: the remote media purge on Synapse's own schedule (it runs its purge
/// jobs itself, so nothing of the panel has to stay awake for it), and optionally the uploads of this
/// server's users, which only a backup brings back and which therefore need confirmation.
/// </summary>
public sealed class MediaRetentionSettings(HomeserverAccess homeserver, HomeserverLifecycle lifecycle)
{
    public async Task<MediaRetentionView> GetAsync(CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken) ?? throw new ConflictException("The homeserver is not installed.");
        return View(d.MediaRetention);
    }

    public async Task ApplyAsync(MediaRetentionRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var policy = new MediaRetention(request.RemoteMediaDays, request.LocalMediaDays);
        policy.Validate();
        var d = await homeserver.GetDeploymentAsync(cancellationToken) ?? throw new ConflictException("The homeserver is not installed.");
        var before = d.MediaRetention;
        if (policy.DeletesUploads(before) && !request.Confirm)
        {
            throw new DomainException($"Uploads of this server's users not opened for {MessageRetention.Days(policy.LocalMediaDays!.Value)} will be deleted for good: "
                + "only a backup taken before has them. Send confirm: true to apply it.");
        }

        await lifecycle.StartConfigChangeAsync($"Media retention: {policy.Describe()}", x => x.ApplyMediaRetention(policy), x => x.ApplyMediaRetention(before), actor,
            "homeserver.media-retention", reloadOnly: false, cancellationToken);
    }

    public static MediaRetentionView View(MediaRetention r) => new(r.RemoteMediaDays, r.LocalMediaDays, r.Describe());
}
