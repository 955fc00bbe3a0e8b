using Microsoft.EntityFrameworkCore;

namespace Panel.Infrastructure.Persistence;

/// <summary>Settings tables hold one row: the one home for "read it, or start from the defaults".</summary>
public static class SingletonRows
{
    /// <summary>The table's one row, tracked; a new one with the defaults (added, not yet saved) when there is none.</summary>
    public static async Task<T> SingleOrAddAsync<T>(this DbSet<T> set, Func<T> create, CancellationToken cancellationToken)
        where T : class
    {
        var row = await set.SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            row = create();
            set.Add(row);
        }

        return row;
    }
}
