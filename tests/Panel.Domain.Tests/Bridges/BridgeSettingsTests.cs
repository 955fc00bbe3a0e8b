using Panel.Domain.Bridges;

namespace Panel.Domain.Tests.Bridges;

public sealed class BridgeSettingsTests
{
    private static readonly BridgeDefinition Telegram = new()
    {
        Id = "telegram",
        Name = "mautrix-telegram",
        Network = "Telegram",
        Image = "dock.mau.dev/mautrix/telegram:v1",
        Port = 29317,
        BotLocalpart = "telegrambot",
        UserPrefix = "telegram_",
        Settings =
        [
            new BridgeSetting { Key = "app_id", Label = "App api_id", Type = BridgeSettingType.WholeNumber, Required = true, Min = 1, Max = 9_999_999_999 },
            new BridgeSetting { Key = "app_hash", Label = "App api_hash", Type = BridgeSettingType.Secret, Required = true, Pattern = "[0-9a-f]{32}", PatternMessage = "must be 32 hex characters" },
            new BridgeSetting { Key = "mode", Label = "Mode", Type = BridgeSettingType.Choice, Choices = ["a", "b"], Default = "a" },
        ],
    };

    [Fact]
    public void Valid_settings_are_normalised_and_defaults_filled_in()
    {
        var values = Telegram.ValidateSettings(new Dictionary<string, string?> { ["app_id"] = " 0123 ", ["app_hash"] = "0123456789abcdef0123456789abcdef" });

        values["app_id"].ShouldBe("123");
        values["mode"].ShouldBe("a");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Should.Throw<BridgeSettingsException>(() => Telegram.ValidateSettings(new Dictionary<string, string?>
        {
            ["app_id"] = "abc",
            ["mode"] = "c",
            ["colour"] = "blue",
        }));

        error.Problems.Count.ShouldBe(4);
        error.Message.ShouldContain("app_id) must be a whole number");
        error.Message.ShouldContain("app_hash) is required");
        error.Message.ShouldContain("must be one of a, b");
        error.Message.ShouldContain("'colour' is not a setting");
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("99999999999999")]
    [InlineData("1e3")]
    [InlineData("12\n3")]
    public void Numbers_outside_the_range_or_not_plain_digits_are_refused(string value)
    {
        Should.Throw<BridgeSettingsException>(() => Telegram.ValidateSettings(new Dictionary<string, string?> { ["app_id"] = value, ["app_hash"] = new string('a', 32) }));
    }

    [Fact]
    public void The_registration_claims_the_bot_and_the_puppets_exclusively_with_escaped_server_names()
    {
        var r = AppServiceRegistration.For(Telegram, "chat.example.org", "http://x:1", "as", "hs");

        r.UserRegexes.ShouldBe([@"@telegrambot:chat\.example\.org", @"@telegram_.*:chat\.example\.org"]);
        r.RateLimited.ShouldBeFalse();
        r.SenderLocalpart.ShouldBe("telegrambot");
    }
}
