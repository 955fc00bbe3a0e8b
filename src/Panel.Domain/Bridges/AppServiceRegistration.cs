using System.Text.RegularExpressions;

namespace Panel.Domain.Bridges;

/// <summary>
/// An application service registration as the Matrix spec defines it: what the homeserver loads to
/// know the bridge, where to push events, which tokens each side uses, and which user IDs belong to it.
/// </summary>
public sealed record AppServiceRegistration(
    string Id,
    string? Url,
    string AsToken,
    string HsToken,
    string SenderLocalpart,
    IReadOnlyList<string> UserRegexes,
    bool RateLimited,
    bool ReceiveEphemeral)
{
    /// <summary>The registration for a catalog entry on a server: the bot and the puppets, exclusively.</summary>
    public static AppServiceRegistration For(BridgeDefinition definition, string serverName, string url, string asToken, string hsToken)
    {
        var server = Regex.Escape(serverName);
        return new AppServiceRegistration(
            definition.Id,
            url,
            asToken,
            hsToken,
            definition.BotLocalpart,
            [$"@{Regex.Escape(definition.BotLocalpart)}:{server}", $"@{Regex.Escape(definition.UserPrefix)}.*:{server}"],
            RateLimited: false,
            ReceiveEphemeral: true);
    }

    /// <summary>
    /// The panel's own appservice for imported history: its bot (<paramref name="botLocalpart"/>)
    /// makes the rooms, and the imported people are its users (<c>@slack_…</c>), exclusively. It
    /// receives nothing (no URL): it only writes.
    /// </summary>
    public static AppServiceRegistration ForHistory(string id, string botLocalpart, string userPrefix, string serverName, string asToken, string hsToken)
    {
        var server = Regex.Escape(serverName);
        return new AppServiceRegistration(id, null, asToken, hsToken, botLocalpart,
            [$"@{Regex.Escape(botLocalpart)}:{server}", $"@{Regex.Escape(userPrefix)}.*:{server}"], RateLimited: false, ReceiveEphemeral: false);
    }
}
