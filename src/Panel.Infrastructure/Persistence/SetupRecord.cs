namespace Panel.Infrastructure.Persistence;

/// <summary>
/// The single row that says the first-run setup has happened. Its fixed primary key is what makes
/// setup work exactly once: of two racing setups, the database lets only one insert it.
/// </summary>
public sealed class SetupRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public string OwnerUserId { get; set; } = "";

    public DateTimeOffset CompletedAt { get; set; }
}
