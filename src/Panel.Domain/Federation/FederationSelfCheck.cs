namespace Panel.Domain.Federation;

/// <summary>
/// The last self-check of this homeserver, kept across the panel's restarts: the daily check alerts
/// when federation stops working, which it can only tell against the check before, and the
/// Homeserver page shows it without running one.
/// </summary>
public sealed class FederationSelfCheck
{
    public const int SingletonId = 1;

    private FederationSelfCheck()
    {
    }

    public int Id { get; private set; } = SingletonId;

    public FederationCheckReport Report { get; private set; } = default!;

    public static FederationSelfCheck Of(FederationCheckReport report) => new() { Report = report };

    public void Replace(FederationCheckReport report) => Report = report;
}
