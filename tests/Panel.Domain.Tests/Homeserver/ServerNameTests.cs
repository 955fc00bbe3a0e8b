using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class ServerNameTests
{
    [Theory]
    [InlineData("example.org", "example.org")]
    [InlineData("Matrix.Example.ORG", "matrix.example.org")]
    [InlineData(" chat.example.org. ", "chat.example.org")]
    [InlineData("example.org:8448", "example.org:8448")]
    [InlineData("a-b.c-d.example", "a-b.c-d.example")]
    [InlineData("localhost", "localhost")]
    public void Parse_accepts_hostnames_and_normalises(string input, string expected) =>
        ServerName.Parse(input).Value.ShouldBe(expected);

    [Theory]
    [InlineData("")]
    [InlineData("example")]
    [InlineData("-bad.example.org")]
    [InlineData("bad-.example.org")]
    [InlineData("under_score.example.org")]
    [InlineData("spaces are.example.org")]
    [InlineData("example.org:0")]
    [InlineData("example.org:70000")]
    [InlineData("example.org:80:81")]
    [InlineData("192.168.1.1")]
    [InlineData("x..example.org")]
    public void Parse_refuses_what_is_not_a_hostname(string input) =>
        Should.Throw<DomainException>(() => ServerName.Parse(input)).Message.ShouldNotBeNullOrWhiteSpace();

    [Theory]
    [InlineData("my server!", "has a space, '!'")]
    [InlineData("under_score.example.org", "has an underscore (_)")]
    [InlineData("café.example.org", "'é' (an accented or non-Latin letter")]
    public void A_refusal_names_the_characters_that_cannot_be_in_a_server_name(string input, string named) =>
        Should.Throw<DomainException>(() => ServerName.Parse(input)).Message.ShouldContain(named);

    [Fact]
    public void Parse_refuses_overlong_labels() =>
        Should.Throw<DomainException>(() => ServerName.Parse(new string('a', 64) + ".example.org"));

    [Fact]
    public void Host_and_port_are_split()
    {
        var name = ServerName.Parse("example.org:8448");

        name.Host.ShouldBe("example.org");
        name.Port.ShouldBe(8448);
    }
}

public sealed class MatrixUserIdTests
{
    [Theory]
    [InlineData("alice", true)]
    [InlineData("a.b_c=d-e/f+g", true)]
    [InlineData("Alice", false)]
    [InlineData("al ice", false)]
    [InlineData("alice!", false)]
    [InlineData("", false)]
    [InlineData("élise", false)]
    public void Localparts_follow_the_Matrix_rules(string localpart, bool valid) =>
        MatrixUserId.IsValidLocalpart(localpart).ShouldBe(valid);

    [Fact]
    public void Create_builds_the_full_ID() =>
        MatrixUserId.Create("alice", "example.org").Value.ShouldBe("@alice:example.org");

    [Fact]
    public void Parse_splits_localpart_and_server()
    {
        var id = MatrixUserId.Parse("@bob:chat.example.org:8448");

        id.Localpart.ShouldBe("bob");
        id.ServerName.ShouldBe("chat.example.org:8448");
    }

    [Theory]
    [InlineData("bob:example.org")]
    [InlineData("@:example.org")]
    [InlineData("@bob")]
    public void Parse_refuses_malformed_ids(string value) => Should.Throw<DomainException>(() => MatrixUserId.Parse(value));
}
