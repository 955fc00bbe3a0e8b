namespace Panel.Domain.Federation;

public enum CheckOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One step of the self-check: what it looked at, what it saw, and the fix in words when it failed.</summary>
public sealed record FederationCheckStep(int Number, string Title, CheckOutcome Outcome, string Seen, string? Fix = null);

/// <summary>How another server sees <see cref="ServerName"/>: the six steps of Matrix server discovery and trust.</summary>
public sealed record FederationCheckReport(string ServerName, DateTimeOffset CheckedAt, IReadOnlyList<FederationCheckStep> Steps)
{
    public bool Passed => Steps.All(s => s.Outcome != CheckOutcome.Failed);

    /// <summary>The first step that failed, the one to fix first (later ones often fail because of it).</summary>
    public FederationCheckStep? FirstFailure => Steps.FirstOrDefault(s => s.Outcome == CheckOutcome.Failed);
}

/// <summary>
/// Checks a server the way another Matrix server would reach it: DNS, delegation, TLS, the
/// federation API, the signing keys, and the client discovery file. Only DNS and HTTPS.
/// </summary>
public interface IFederationProbe
{
    /// <summary>
    /// Checks <paramref name="serverName"/> (a validated host, optionally :port). When
    /// <paramref name="expectedClientUrl"/> is given (this server), the client discovery file must name it.
    /// </summary>
    Task<FederationCheckReport> CheckAsync(string serverName, Uri? expectedClientUrl, CancellationToken cancellationToken);
}
