namespace Panel.Web.Features.History;

/// <summary>Slack's names for the reactions people use most, as the emoji Matrix reactions carry; others keep their :name:.</summary>
public static class SlackEmoji
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        ["+1"] = "👍", ["thumbsup"] = "👍", ["-1"] = "👎", ["thumbsdown"] = "👎", ["tada"] = "🎉", ["heart"] = "❤️", ["smile"] = "😄",
        ["joy"] = "😂", ["laughing"] = "😆", ["eyes"] = "👀", ["white_check_mark"] = "✅", ["heavy_check_mark"] = "✔️", ["100"] = "💯",
        ["fire"] = "🔥", ["rocket"] = "🚀", ["pray"] = "🙏", ["thinking_face"] = "🤔", ["clap"] = "👏", ["wave"] = "👋", ["ok_hand"] = "👌",
        ["raised_hands"] = "🙌", ["slightly_smiling_face"] = "🙂", ["x"] = "❌", ["warning"] = "⚠️", ["sweat_smile"] = "😅", ["sob"] = "😭",
        ["star"] = "⭐", ["muscle"] = "💪", ["sunglasses"] = "😎", ["wink"] = "😉", ["grinning"] = "😀", ["bulb"] = "💡", ["point_up"] = "☝️",
    };

    public static string For(string name)
    {
        // Skin tones come as "+1::skin-tone-3": the base emoji is enough.
        var bare = name.Split("::", 2)[0];
        return Known.TryGetValue(bare, out var emoji) ? emoji : $":{bare}:";
    }
}
