using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Site;

/// <summary>One step of a new owner's first hour: done or not, and the page that does it.</summary>
public sealed record ChecklistItem(string Key, string Title, string Why, bool Done, string Href);

/// <summary>
/// What makes a fresh panel a server friends can rely on, read from what exists (never from a
/// "dismissed" flag): the dashboard lists the steps until each is done, like Cloudron's setup list.
/// </summary>
public sealed class FirstRunChecklist(IDbContextFactory<PanelDbContext> contexts, HomeserverAccess homeserver, PublicAddressService address)
{
    public async Task<IReadOnlyList<ChecklistItem>> ForAsync(bool twoFactorOn, string requestBaseUrl, CancellationToken cancellationToken)
    {
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        var publicUrl = await address.ResolveAsync(requestBaseUrl, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var backedUp = await db.Backups.AnyAsync(b => b.Status == BackupStatus.Completed, cancellationToken);
        var costs = await db.DonationSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        return
        [
            new("homeserver", "Install a homeserver, or attach the one you run", "Synapse and its database, in containers the panel looks after.",
                d is { Phase: InstallPhase.Installed }, "/homeserver"),
            new("public-url", "Set the panel's public address", "Invite and donate links start with it; without it they only work on this machine.",
                publicUrl is { Source: not "request", LocalOnly: false }, "/invites"),
            new("two-factor", "Turn on two-factor authentication", "This panel controls the whole server: a password alone is not enough.",
                twoFactorOn, "/account/security"),
            new("backups", "Make a first backup", "Then they run every night; a restore is tested from the same page.",
                backedUp, "/backups"),
            new("costs", "Say what the server costs", "Friends see the costs and how much donations cover, with or without card payments.",
                costs is { CostLines.Count: > 0 }, "/donations"),
        ];
    }
}
