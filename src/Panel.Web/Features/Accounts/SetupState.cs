using Microsoft.EntityFrameworkCore;
using Panel.Infrastructure.Persistence;

namespace Panel.Web.Features.Accounts;

/// <summary>
/// Whether the first-run setup has happened. Once true it stays true, so it is cached for the life
/// of the process; while false, every check asks the database (another process may have finished it).
/// </summary>
public sealed class SetupState(IDbContextFactory<PanelDbContext> contexts)
{
    private volatile bool _complete;

    public async ValueTask<bool> IsCompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_complete)
        {
            return true;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        _complete = await db.SetupRecords.AnyAsync(cancellationToken);
        return _complete;
    }

    internal void MarkComplete() => _complete = true;
}
