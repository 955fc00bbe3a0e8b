using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Panel.Infrastructure.Persistence;

/// <summary>
/// An EF Core compiled query (<c>EF.CompileAsyncQuery</c>) for each model it meets. A compiled query
/// binds to the first model it runs on and refuses any other; the panel has one model per provider,
/// and a test process may use both.
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = new();

    /// <summary>The query compiled for this context's model.</summary>
    public TQuery For(DbContext context) => _byModel.GetValue(context.Model, _ => compile());
}
