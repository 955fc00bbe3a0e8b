using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Domain.Moderation;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Users;

namespace Panel.Web.Features.Moderation;

/// <summary>A report as the queue shows it: the report, what was reported, and whether its sender is one of ours.</summary>
public sealed record ReportView(EventReportDetails Details, bool SenderIsLocal)
{
    public EventReport Report => Details.Report;

    /// <summary>The reported message in a sentence when there is no text to show.</summary>
    public string EventState => !Details.EventExists ? "The reported message no longer exists (purged)."
        : Details.Redacted ? "The reported message was redacted."
        : Details.Body is null ? $"A {Details.EventType ?? "message"} event without text."
        : "";
}

/// <summary>A page of the report queue, and how many reports there are in all.</summary>
public sealed record ReportList(IReadOnlyList<ReportView> Reports, int Total);

/// <summary>
/// Acting on abuse: the reports users made, and what can be done about them and about an account
/// (redact, deactivate, block the room, quarantine media, shadow-ban, rate-limit). Every action is audited.
/// </summary>
public sealed class ModerationService(HomeserverAccess homeserver, UsersService users, IAuditLog audit, Monitoring.AlertService alerts)
{
    public const int MaxPage = 100;

    /// <summary>A report was dismissed or acted on: open queues refresh.</summary>
    public event Action? Changed;

    public async Task<ReportList> ListReportsAsync(int from, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPage || from < 0)
        {
            throw new DomainException($"limit must be between 1 and {MaxPage}, and from at least 0.");
        }

        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var page = await admin.ListEventReportsAsync(from, limit, cancellationToken);
        // Synapse's list has no message in it: each report's details are one more call, a few at a
        // time rather than one after another (a page of 100 took 100 round trips in a row).
        var views = new ReportView[page.Reports.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, page.Reports.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var report = page.Reports[i];
            var details = await admin.GetEventReportAsync(report.Id, ct) ?? new EventReportDetails(report, false, false, null, null, null);
            views[i] = new ReportView(details, IsLocal(report.Sender, d.ServerName));
        });

        return new ReportList(views, page.Total);
    }

    public async Task<ReportView> GetReportAsync(long id, CancellationToken cancellationToken) => (await OpenAsync(id, cancellationToken)).Report;

    /// <summary>A report with the admin client and deployment that read it: each action reads them once.</summary>
    private async Task<(ReportView Report, IHomeserverAdmin Admin, HomeserverDeployment Deployment)> OpenAsync(long id, CancellationToken cancellationToken)
    {
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var details = await admin.GetEventReportAsync(id, cancellationToken) ?? throw new NotFoundException($"There is no report {id}: it was dismissed already.");
        return (new ReportView(details, IsLocal(details.Report.Sender, d.ServerName)), admin, d);
    }

    public async Task DismissAsync(long id, AuditActor actor, CancellationToken cancellationToken)
    {
        var (report, admin, _) = await OpenAsync(id, cancellationToken);
        await CloseAsync(admin, report, actor, "report.dismissed", $"reported by {report.Report.Reporter}: {report.Report.Reason ?? "no reason given"}", cancellationToken);
    }

    /// <summary>Redacts the reported message and closes the report.</summary>
    public async Task RedactReportedAsync(long id, string? reason, AuditActor actor, CancellationToken cancellationToken)
    {
        var (report, admin, d) = await OpenAsync(id, cancellationToken);
        if (!report.Details.EventExists || report.Details.Redacted)
        {
            throw new DomainException(report.EventState + " Dismiss the report instead.");
        }

        // A local sender can always redact their own message, so the panel does it as them. For a
        // sender on another server, Synapse only lets this server's admin account redact where it has the power.
        var asUser = report.SenderIsLocal ? report.Report.Sender : d.AdminUserId ?? throw new DomainException("The panel has no admin account on this homeserver.");
        try
        {
            await admin.RedactEventAsync(report.Report.RoomId, report.Report.EventId, asUser, Reason(reason), cancellationToken);
        }
        catch (HomeserverException e) when (!report.SenderIsLocal && e.StatusCode is 403 or 404)
        {
            throw new DomainException(
                $"{report.Report.Sender} is on another server, and Synapse lets this server redact their message only in a room where {asUser} is a member allowed to redact " +
                $"(it answered: {e.Message}). Block the room instead, or ask the room's moderators.");
        }

        await CloseAsync(admin, report, actor, "report.redacted", $"message of {report.Report.Sender} redacted", cancellationToken);
    }

    /// <summary>Deactivates the reported message's sender (one of ours) and closes the report.</summary>
    public async Task DeactivateSenderAsync(long id, bool erase, AuditActor actor, CancellationToken cancellationToken)
    {
        var (report, admin, _) = await OpenAsync(id, cancellationToken);
        if (!report.SenderIsLocal)
        {
            throw new DomainException($"{report.Report.Sender} is an account on another server: only its own server can deactivate it. Block the room, or redact the message.");
        }

        await users.DeactivateAsync(report.Report.Sender, erase, actor, cancellationToken);
        await CloseAsync(admin, report, actor, "report.sender-deactivated", $"{report.Report.Sender} deactivated{(erase ? " and erased" : "")}", cancellationToken);
    }

    /// <summary>Blocks the reported message's room (nobody here can join it again) and closes the report.</summary>
    public async Task BlockRoomAsync(long id, AuditActor actor, CancellationToken cancellationToken)
    {
        var (report, admin, _) = await OpenAsync(id, cancellationToken);
        await admin.BlockRoomAsync(report.Report.RoomId, true, cancellationToken);
        await audit.RecordAsync(actor, "room.blocked", report.Report.RoomId, AuditOutcome.Success, $"after report {id}", cancellationToken);
        await CloseAsync(admin, report, actor, "report.room-blocked", $"room {report.Report.RoomName ?? report.Report.RoomId} blocked", cancellationToken);
    }

    /// <summary>Starts redacting a local user's recent messages in every room; returns the id to follow it with.</summary>
    public async Task<string> RedactUserEventsAsync(string userIdOrName, string? reason, int limit, AuditActor actor, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 10_000)
        {
            throw new DomainException("limit must be between 1 and 10000 events.");
        }

        var (admin, userId) = await users.EditableAsync(userIdOrName, cancellationToken);
        var id = await admin.StartRedactUserEventsAsync(userId, Reason(reason), limit, cancellationToken);
        await audit.RecordAsync(actor, "user.events-redacted", userId, AuditOutcome.Success, $"up to {limit} recent events, task {id}", cancellationToken);
        return id;
    }

    public async Task<RedactionStatus> RedactionStatusAsync(string redactionId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(redactionId) || redactionId.Length > 200)
        {
            throw new DomainException("That is not a redaction id.");
        }

        try
        {
            return await (await homeserver.GetAdminAsync(cancellationToken)).GetRedactionStatusAsync(redactionId, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode is 400 or 404)
        {
            throw new NotFoundException($"There is no redaction {redactionId}.");
        }
    }

    /// <summary>Quarantines media: one item (an mxc:// URI), everything in a room, or everything a local user uploaded.</summary>
    public async Task<int> QuarantineAsync(string? mxc, string? roomId, string? userId, AuditActor actor, CancellationToken cancellationToken)
    {
        var admin = await homeserver.GetAdminAsync(cancellationToken);
        int count;
        string target;
        if (mxc is { Length: > 0 })
        {
            var media = ParseMedia(mxc);
            await admin.QuarantineMediaAsync(media.Origin, media.MediaId, cancellationToken);
            (count, target) = (1, media.ToString());
        }
        else if (roomId is { Length: > 0 })
        {
            if (!roomId.StartsWith('!'))
            {
                throw new DomainException($"'{roomId}' is not a room id (!abc:server).");
            }

            (count, target) = (await admin.QuarantineRoomMediaAsync(roomId, cancellationToken), roomId);
        }
        else if (userId is { Length: > 0 })
        {
            var (_, id) = await users.EditableAsync(userId, cancellationToken);
            (count, target) = (await admin.QuarantineUserMediaAsync(id, cancellationToken), id);
        }
        else
        {
            throw new DomainException("Say what to quarantine: a media address, a room or a user.");
        }

        await audit.RecordAsync(actor, "media.quarantined", target, AuditOutcome.Success, $"{count} item(s)", cancellationToken);
        return count;
    }

    /// <summary>Every media item in quarantine now, on the whole server.</summary>
    public async Task<IReadOnlyList<MediaAddress>> QuarantinedAsync(CancellationToken cancellationToken) =>
        await (await homeserver.GetAdminAsync(cancellationToken)).ListQuarantinedMediaAsync(cancellationToken);

    /// <summary>Lets one media item be downloaded again (a quarantine made by mistake).</summary>
    public async Task ReleaseAsync(string mxc, AuditActor actor, CancellationToken cancellationToken)
    {
        var media = ParseMedia(mxc);
        await (await homeserver.GetAdminAsync(cancellationToken)).ReleaseMediaAsync(media, cancellationToken);
        await audit.RecordAsync(actor, "media.released", media.ToString(), AuditOutcome.Success, "out of quarantine", cancellationToken);
    }

    private static MediaAddress ParseMedia(string mxc) => MediaAddress.TryParse(mxc.Trim(), out var media)
        ? media
        : throw new DomainException($"'{mxc}' is not a media address: it looks like mxc://server/media-id.");

    /// <summary>A local user's uploads, the quarantined ones marked.</summary>
    public async Task<IReadOnlyList<MediaItem>> UserMediaAsync(string userIdOrName, CancellationToken cancellationToken)
    {
        var (admin, userId) = await users.EditableAsync(userIdOrName, cancellationToken);
        return await admin.ListUserMediaAsync(userId, cancellationToken);
    }

    public async Task SetShadowBanAsync(string userIdOrName, bool banned, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, userId) = await users.EditableAsync(userIdOrName, cancellationToken);
        await admin.SetShadowBanAsync(userId, banned, cancellationToken);
        await audit.RecordAsync(actor, banned ? "user.shadow-banned" : "user.shadow-ban-lifted", userId, AuditOutcome.Success, null, cancellationToken);
    }

    public async Task<RateLimitOverride?> GetRateLimitAsync(string userIdOrName, CancellationToken cancellationToken)
    {
        var (admin, userId) = await users.EditableAsync(userIdOrName, cancellationToken);
        return await admin.GetRateLimitAsync(userId, cancellationToken);
    }

    /// <summary>Sets (or, with null, removes) a user's own message rate limit.</summary>
    public async Task SetRateLimitAsync(string userIdOrName, RateLimitOverride? limit, AuditActor actor, CancellationToken cancellationToken)
    {
        if (limit is { MessagesPerSecond: < 0 or > 1000 } or { BurstCount: < 0 or > 10_000 })
        {
            throw new DomainException("Messages per second must be between 0 and 1000, and the burst between 0 and 10000 (0 and 0 lift the limit).");
        }

        var (admin, userId) = await users.EditableAsync(userIdOrName, cancellationToken);
        await admin.SetRateLimitAsync(userId, limit, cancellationToken);
        await audit.RecordAsync(actor, "user.rate-limit", userId, AuditOutcome.Success,
            limit is null ? "the server's default" : $"{limit.MessagesPerSecond}/s, burst {limit.BurstCount}", cancellationToken);
    }

    private async Task CloseAsync(IHomeserverAdmin admin, ReportView report, AuditActor actor, string action, string details, CancellationToken cancellationToken)
    {
        await admin.DeleteEventReportAsync(report.Report.Id, cancellationToken);
        await audit.RecordAsync(actor, action, $"report:{report.Report.Id}", AuditOutcome.Success,
            $"{details} (message {report.Report.EventId} in {report.Report.RoomName ?? report.Report.RoomId})", cancellationToken);
        alerts.Resolve(ReportWatcher.AlertKey(report.Report.Id));
        Changed?.Invoke();
    }

    private static string? Reason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? null
        : reason.Trim().Length > 500 ? throw new DomainException("The reason is too long (500 characters at most).")
        : reason.Trim();

    private static bool IsLocal(string userId, string serverName) => userId.EndsWith(":" + serverName, StringComparison.Ordinal);
}
