using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class MediaRetentionTests
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(null, 0)]
    [InlineData(40_000, null)]
    public void A_lifetime_out_of_range_is_refused_with_what_it_applies_to(int? remote, int? local)
    {
        var error = Should.Throw<DomainException>(() => new MediaRetention(remote, local).Validate());

        error.Message.ShouldContain(remote is not null ? "Other servers' media" : "This server's uploads");
    }

    [Fact]
    public void Only_a_new_or_shorter_lifetime_for_uploads_deletes_them()
    {
        new MediaRetention(30).DeletesUploads(MediaRetention.Off).ShouldBeFalse("remote copies can be fetched again");
        new MediaRetention(30, 365).DeletesUploads(MediaRetention.Off).ShouldBeTrue();
        new MediaRetention(30, 365).DeletesUploads(new MediaRetention(null, 180)).ShouldBeFalse("longer than before: nothing more goes");
        new MediaRetention(30, 90).DeletesUploads(new MediaRetention(null, 180)).ShouldBeTrue();
    }

    [Fact]
    public void The_description_says_what_is_kept_and_for_how_long()
    {
        MediaRetention.Off.Describe().ShouldBe("Other servers' media are kept forever; this server's uploads forever.");
        new MediaRetention(90, 365).Describe().ShouldBe("Other servers' media are deleted here after 90 days unused; this server's uploads after 1 year unused.");
    }
}
