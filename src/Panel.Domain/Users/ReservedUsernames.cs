namespace Panel.Domain.Users;

/// <summary>
/// Usernames nobody may take or edit through the panel: the panel's own admin account, and the bots
/// and puppet accounts of bridges (whose namespaces belong to the bridge, not to people).
/// </summary>
public sealed class ReservedUsernames
{
    /// <summary>Bot localparts of the bridge catalog and common service accounts.</summary>
    public static readonly IReadOnlyList<string> Built =
    [
        "panel-admin", "panel-notices", "signalbot", "telegrambot", "whatsappbot", "discordbot", "slackbot", "metabot",
        "instagrambot", "facebookbot", "gmessagesbot", "heisenbridge", "echobot",
    ];

    /// <summary>Prefixes of bridge puppets, such as signal_+4912345 or telegram_1234.</summary>
    public static readonly IReadOnlyList<string> PuppetPrefixes =
    [
        "signal_", "telegram_", "whatsapp_", "discord_", "slack_", "meta_", "instagram_", "facebook_", "gmessages_", "heisenbridge_", "echo_",
    ];

    private readonly HashSet<string> _exact;

    public ReservedUsernames(IEnumerable<string> extra)
    {
        _exact = new HashSet<string>(Built.Concat(extra.Select(e => e.ToLowerInvariant())), StringComparer.Ordinal);
    }

    public bool IsReserved(string localpart) =>
        _exact.Contains(localpart)
        || localpart.StartsWith("panel-admin", StringComparison.Ordinal)
        || PuppetPrefixes.Any(p => localpart.StartsWith(p, StringComparison.Ordinal));
}
