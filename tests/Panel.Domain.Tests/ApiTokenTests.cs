using Panel.Domain.ApiTokens;
using Panel.Domain.Common;

namespace Panel.Domain.Tests;

public sealed class ApiTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Issue_returns_plain_text_once_and_stores_only_its_hash()
    {
        var (token, plain) = ApiToken.Issue("backup script", "user-1", Now);

        plain.ShouldStartWith(ApiToken.Prefix);
        token.Hash.ShouldBe(ApiToken.HashOf(plain));
        token.Hash.ShouldNotContain(plain[ApiToken.Prefix.Length..]);
        token.Hint.ShouldBe(plain[..10]);
        token.IsActive.ShouldBeTrue();
        token.CreatedAt.ShouldBe(Now);
    }

    [Fact]
    public void Issue_carries_at_least_256_bits_of_randomness()
    {
        var tokens = Enumerable.Range(0, 200).Select(_ => ApiToken.Issue("t", "u", Now).PlainText).ToList();

        tokens.Distinct().Count().ShouldBe(200);
        // 32 random bytes in unpadded base64url are 43 characters.
        tokens.ShouldAllBe(t => t.Length == ApiToken.Prefix.Length + 43);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Issue_without_name_is_rejected(string name) =>
        Should.Throw<DomainException>(() => ApiToken.Issue(name, "u", Now)).Message.ShouldContain("name");

    [Fact]
    public void Issue_with_overlong_name_is_rejected() =>
        Should.Throw<DomainException>(() => ApiToken.Issue(new string('x', 101), "u", Now));

    [Fact]
    public void Revoke_makes_token_inactive_and_cannot_be_repeated()
    {
        var (token, _) = ApiToken.Issue("t", "u", Now);

        token.Revoke(Now.AddMinutes(1));

        token.IsActive.ShouldBeFalse();
        token.RevokedAt.ShouldBe(Now.AddMinutes(1));
        Should.Throw<ConflictException>(() => token.Revoke(Now.AddMinutes(2)));
    }

    [Fact]
    public void Record_use_keeps_the_last_time_and_address()
    {
        var (token, _) = ApiToken.Issue("t", "u", Now);

        token.RecordUse(Now.AddHours(1), "192.0.2.7");

        token.LastUsedAt.ShouldBe(Now.AddHours(1));
        token.LastUsedFrom.ShouldBe("192.0.2.7");
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("Bearer abc", false)]
    [InlineData("hsp_short", false)]
    [InlineData("hsp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]
    public void Looks_like_token_checks_prefix_and_length(string? value, bool expected) =>
        ApiToken.LooksLikeToken(value).ShouldBe(expected);
}
