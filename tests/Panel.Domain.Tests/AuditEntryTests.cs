using Panel.Domain.Audit;
using Panel.Domain.Common;

namespace Panel.Domain.Tests;

public sealed class AuditEntryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.FromHours(2));

    [Fact]
    public void Record_stores_time_in_utc()
    {
        var entry = AuditEntry.Record(Now, "owner", AuditActions.Login, "panel-user:owner", "192.0.2.1", AuditOutcome.Success);

        entry.Timestamp.Offset.ShouldBe(TimeSpan.Zero);
        entry.Timestamp.ShouldBe(Now);
    }

    [Fact]
    public void Record_without_actor_records_anonymous() =>
        AuditEntry.Record(Now, " ", AuditActions.LoginFailed, null, null, AuditOutcome.Failure).Actor.ShouldBe("anonymous");

    [Fact]
    public void Record_clips_overlong_user_input_instead_of_losing_the_entry()
    {
        var entry = AuditEntry.Record(Now, new string('a', 5000), AuditActions.LoginFailed, new string('t', 5000), null, AuditOutcome.Failure, new string('d', 9000));

        entry.Actor.Length.ShouldBe(AuditEntry.MaxActorLength);
        entry.Target!.Length.ShouldBe(AuditEntry.MaxTargetLength);
        entry.Details!.Length.ShouldBe(AuditEntry.MaxDetailsLength);
        entry.Actor.ShouldEndWith("…");
    }

    [Fact]
    public void Record_without_action_is_rejected() =>
        Should.Throw<DomainException>(() => AuditEntry.Record(Now, "owner", "", null, null, AuditOutcome.Success));
}
