using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Domain.Moderation;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Users;

namespace Panel.Web.Features.Moderation;

public sealed record AnnouncementView(Guid Id, string Text, string Audience, string Status, int Total, int Sent, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error);

/// <summary>Who an announcement would reach, shown before it is sent.</summary>
public sealed record AnnouncementPreview(string Text, string Audience, int Recipients);

/// <summary>
/// Notices to everyone (synapse#5501): server notices in batches, with progress. The recipients are
/// written down first and each is marked once sent; each notice carries a transaction id of its own,
/// so a resumed announcement sends only what is left and Synapse drops a notice it already has.
/// </summary>
public sealed partial class AnnouncementService(
    IDbContextFactory<PanelDbContext> contexts,
    HomeserverAccess homeserver,
    UsersService users,
    IAuditLog audit,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<AnnouncementService> logger) : IHostedService
{
    public const int BatchSize = 5;
    private static readonly TimeSpan BatchPause = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    /// <summary>An announcement progressed, paused or ended: open pages refresh.</summary>
    public event Action? Changed;

    /// <summary>How many people an announcement to this audience would reach (everyone when empty).</summary>
    public async Task<int> AudienceSizeAsync(string? audience, CancellationToken cancellationToken) =>
        (await RecipientsAsync(audience, cancellationToken)).UserIds.Count;

    public async Task<AnnouncementPreview> PreviewAsync(string? text, string? audience, CancellationToken cancellationToken)
    {
        var (aud, recipients) = await RecipientsAsync(audience, cancellationToken);
        var check = Announcement.Create(text, aud, recipients.Count, "preview", clock.GetUtcNow());
        return new AnnouncementPreview(check.Text, aud, recipients.Count);
    }

    public async Task<AnnouncementView> StartAsync(string? text, string? audience, AuditActor actor, CancellationToken cancellationToken)
    {
        var (aud, recipients) = await RecipientsAsync(audience, cancellationToken);
        var announcement = Announcement.Create(text, aud, recipients.Count, actor.Name, clock.GetUtcNow());
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Announcements.Add(announcement);
            db.AnnouncementRecipients.AddRange(recipients.Select(u => AnnouncementRecipient.For(announcement.Id, u)));
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(actor, "announcement.sent", $"announcement:{announcement.Id}", AuditOutcome.Success,
            $"to {(aud == "all" ? "every user" : "the members of " + aud)} ({recipients.Count}): {Shorten(announcement.Text)}", cancellationToken);
        Run(announcement.Id);
        return ToView(announcement);
    }

    public async Task<IReadOnlyList<AnnouncementView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var list = await db.Announcements.AsNoTracking().ToListAsync(cancellationToken);
        return list.OrderByDescending(a => a.CreatedAt).Take(50).Select(ToView).ToList();
    }

    public async Task<AnnouncementView> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return ToView(await db.Announcements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken)
            ?? throw new NotFoundException("There is no such announcement."));
    }

    /// <summary>Stops after the batch being sent; what is left goes on <see cref="ResumeAsync"/>.</summary>
    public Task<AnnouncementView> PauseAsync(Guid id, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, a => a.Pause(), actor, "announcement.paused", cancellationToken);

    public async Task<AnnouncementView> ResumeAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        var view = await ChangeAsync(id, a => a.Resume(), actor, "announcement.resumed", cancellationToken);
        Run(id);
        return view;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Announcements a restart interrupted go on from where they were.
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var id in await db.Announcements.Where(a => a.Status == AnnouncementStatus.Sending).Select(a => a.Id).ToListAsync(cancellationToken))
        {
            Run(id);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(_running.Values);

    private void Run(Guid id)
    {
        // One sending loop per announcement: a second resume while it runs is a no-op, not a second sender.
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(id, ended.Task))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await SendAsync(id, lifetime.ApplicationStopping);
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Stopping: the announcement stays "sending" and resumes at the next start.
            }
            catch (Exception e) when (e is DomainException or HttpRequestException or DbUpdateException)
            {
                LogFailed(logger, id, e.Message);
                await ChangeAsync(id, a => a.Fail(e.Message, clock.GetUtcNow()), null, null, CancellationToken.None);
            }
            finally
            {
                _running.TryRemove(id, out _);
                ended.SetResult();
                Changed?.Invoke();
            }

            // A resume that came while this loop was ending on a pause found it still running: go on.
            if (!lifetime.ApplicationStopping.IsCancellationRequested && await StillSendingAsync(id))
            {
                Run(id);
            }
        }, CancellationToken.None);
    }

    private async Task<bool> StillSendingAsync(Guid id)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            return await db.Announcements.AnyAsync(a => a.Id == id && a.Status == AnnouncementStatus.Sending && a.Sent < a.Total, CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            return false;
        }
    }

    private async Task SendAsync(Guid id, CancellationToken stopping)
    {
        var admin = await homeserver.GetAdminAsync(stopping);
        while (true)
        {
            List<AnnouncementRecipient> batch;
            Announcement announcement;
            await using (var db = await contexts.CreateDbContextAsync(stopping))
            {
                announcement = await db.Announcements.AsNoTracking().SingleAsync(a => a.Id == id, stopping);
                if (announcement.Status != AnnouncementStatus.Sending)
                {
                    return; // Paused.
                }

                batch = await db.AnnouncementRecipients.AsNoTracking().Where(r => r.AnnouncementId == id && r.SentAt == null)
                    .OrderBy(r => r.UserId).Take(BatchSize).ToListAsync(stopping);
            }

            if (batch.Count == 0)
            {
                await ChangeAsync(id, a => a.Finish(clock.GetUtcNow()), null, null, CancellationToken.None);
                return;
            }

            foreach (var recipient in batch)
            {
                await admin.SendServerNoticeAsync(recipient.UserId, announcement.Text, stopping, recipient.TransactionId);
                await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
                var row = await db.AnnouncementRecipients.SingleAsync(r => r.AnnouncementId == id && r.UserId == recipient.UserId, CancellationToken.None);
                row.MarkSent(clock.GetUtcNow());
                var a = await db.Announcements.SingleAsync(x => x.Id == id, CancellationToken.None);
                a.Delivered(1);
                await db.SaveChangesAsync(CancellationToken.None);
            }

            Changed?.Invoke();
            await Task.Delay(BatchPause, stopping);
        }
    }

    private async Task<AnnouncementView> ChangeAsync(Guid id, Action<Announcement> change, AuditActor? actor, string? action, CancellationToken cancellationToken)
    {
        Announcement announcement;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            announcement = await db.Announcements.SingleOrDefaultAsync(a => a.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such announcement.");
            change(announcement);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (actor is not null && action is not null)
        {
            await audit.RecordAsync(actor, action, $"announcement:{id}", AuditOutcome.Success, $"{announcement.Sent} of {announcement.Total} sent", cancellationToken);
        }

        Changed?.Invoke();
        return ToView(announcement);
    }

    /// <summary>Every local user who can read a notice, or a room's local members; never the panel's or the bridges' accounts.</summary>
    private async Task<(string Audience, IReadOnlyList<string> UserIds)> RecipientsAsync(string? audience, CancellationToken cancellationToken)
    {
        var (admin, _, d) = await users.ContextAsync(cancellationToken);
        var aud = string.IsNullOrWhiteSpace(audience) ? "all" : audience.Trim();
        var people = await users.PeopleAsync(cancellationToken);

        if (aud == "all")
        {
            return (aud, people);
        }

        if (!aud.StartsWith('!') || !aud.Contains(':', StringComparison.Ordinal))
        {
            throw new DomainException($"'{aud}' is not a room id (!abc:{d.ServerName}); leave it empty to tell everyone.");
        }

        IReadOnlyList<string> members;
        try
        {
            members = await admin.ListRoomMembersAsync(aud, cancellationToken);
        }
        catch (HomeserverException e) when (e.StatusCode == 404)
        {
            throw new NotFoundException($"There is no room {aud} on this server.");
        }

        var allowed = people.ToHashSet(StringComparer.Ordinal);
        return (aud, members.Where(allowed.Contains).Order(StringComparer.Ordinal).ToList());
    }

    private static AnnouncementView ToView(Announcement a) =>
        new(a.Id, a.Text, a.Audience, a.Status.ToString().ToLowerInvariant(), a.Total, a.Sent, a.CreatedBy, a.CreatedAt, a.FinishedAt, a.Error);

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcement {Id} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid id, string error);
}
