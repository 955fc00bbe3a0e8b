using Panel.Domain.Common;
using Panel.Domain.Moderation;

namespace Panel.Domain.Tests.Moderation;

public sealed class ModerationStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 4, 0, 0, TimeSpan.Zero);

    private static EventReport Report(long id) => new(id, Now, "!r:example.org", "Room", $"$e{id}", "@a:example.org", "spam", null, "@b:example.org");

    [Fact]
    public void The_first_look_tells_nothing_and_later_looks_tell_each_new_report_once_oldest_first()
    {
        var state = ModerationState.Default();
        state.TakeNew([Report(3), Report(2)]).ShouldBeEmpty("those were in the queue before the panel looked");

        state.TakeNew([Report(5), Report(4), Report(3)]).Select(r => r.Id).ShouldBe([4L, 5L]);
        state.TakeNew([Report(5), Report(4)]).ShouldBeEmpty();
        // Dismissed reports leave the queue; the newest seen is still remembered.
        state.TakeNew([]).ShouldBeEmpty();
        state.TakeNew([Report(6)]).Select(r => r.Id).ShouldBe([6L]);
    }

    [Fact]
    public void An_empty_queue_at_the_first_look_still_tells_the_first_report_that_comes()
    {
        var state = ModerationState.Default();
        state.TakeNew([]).ShouldBeEmpty();
        state.TakeNew([Report(1)]).Select(r => r.Id).ShouldBe([1L]);
    }

    [Fact]
    public void Each_change_of_the_rules_is_a_new_version_and_saving_the_same_text_is_not()
    {
        var state = ModerationState.Default();
        state.SetRules("Be kind.\r\n", Now).ShouldBeTrue();
        state.RulesVersion.ShouldBe(1);
        state.Rules.ShouldBe("Be kind.");
        state.SetRules("  Be kind. ", Now).ShouldBeFalse();
        state.SetRules("Be kind. No spam.", Now).ShouldBeTrue();
        state.RulesVersion.ShouldBe(2);
        state.SetRules("", Now).ShouldBeTrue();
        state.Rules.ShouldBeNull();
        Should.Throw<DomainException>(() => state.SetRules(new string('x', ModerationState.MaxRulesLength + 1), Now));
    }

    [Fact]
    public void An_announcement_needs_words_and_someone_to_read_them()
    {
        Should.Throw<DomainException>(() => Announcement.Create("  ", "all", 3, "owner", Now)).Message.ShouldContain("empty");
        Should.Throw<DomainException>(() => Announcement.Create("Hello", "all", 0, "owner", Now)).Message.ShouldContain("nobody");
        Should.Throw<DomainException>(() => Announcement.Create(new string('x', Announcement.MaxTextLength + 1), "all", 3, "owner", Now));
        var a = Announcement.Create(" Hello ", "all", 3, "owner", Now);
        a.Text.ShouldBe("Hello");
        a.Pause();
        Should.Throw<DomainException>(a.Pause);
        a.Resume();
        a.Status.ShouldBe(AnnouncementStatus.Sending);
    }

    [Fact]
    public void A_recipients_transaction_id_is_the_same_on_every_try_and_differs_between_people()
    {
        var id = Guid.NewGuid();
        AnnouncementRecipient.For(id, "@a:x").TransactionId.ShouldBe(AnnouncementRecipient.For(id, "@a:x").TransactionId);
        AnnouncementRecipient.For(id, "@a:x").TransactionId.ShouldNotBe(AnnouncementRecipient.For(id, "@b:x").TransactionId);
    }
}
