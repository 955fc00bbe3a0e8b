using Panel.Domain.Common;
using Panel.Domain.Invites;
using Panel.Domain.Users;

namespace Panel.Domain.Tests.Invites;

public sealed class InviteTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private static Invite Make(int maxUses = 2, TimeSpan? lifetime = null, IEnumerable<string>? rooms = null) =>
        Invite.Create(InviteMode.Link, "hash", "protected", "for Alice", maxUses, Now + (lifetime ?? TimeSpan.FromDays(7)), rooms, "owner", Now);

    [Fact]
    public void New_code_carries_256_bits_of_randomness_and_is_URL_safe()
    {
        var codes = Enumerable.Range(0, 100).Select(_ => Invite.NewCode()).ToList();

        codes.Distinct().Count().ShouldBe(100);
        codes.ShouldAllBe(c => c.Length == 43 && Invite.LooksLikeCode(c));
    }

    [Fact]
    public void Redeem_up_to_max_uses_then_it_is_used_up()
    {
        var invite = Make(maxUses: 2);

        invite.Reserve(Now);
        invite.Reserve(Now);
        invite.CanReserve(Now).ShouldBeFalse();
        invite.CompleteReservation();
        invite.CompleteReservation();

        invite.StatusAt(Now).ShouldBe(InviteStatus.UsedUp);
        Should.Throw<ConflictException>(() => invite.Reserve(Now));
    }

    [Fact]
    public void Redeem_when_uses_exhausted_is_rejected_but_a_released_use_comes_back()
    {
        var invite = Make(maxUses: 1);
        invite.Reserve(Now);

        Should.Throw<ConflictException>(() => invite.Reserve(Now));

        invite.ReleaseReservation();
        invite.CanReserve(Now).ShouldBeTrue();
    }

    [Fact]
    public void Redeem_after_expiry_is_rejected()
    {
        var invite = Make(lifetime: TimeSpan.FromHours(1));

        invite.StatusAt(Now.AddHours(2)).ShouldBe(InviteStatus.Expired);
        Should.Throw<ConflictException>(() => invite.Reserve(Now.AddHours(2))).Message.ShouldContain("expired");
    }

    [Fact]
    public void Redeem_after_revoke_is_rejected()
    {
        var invite = Make();

        invite.Revoke(Now);

        invite.StatusAt(Now).ShouldBe(InviteStatus.Revoked);
        invite.CanReserve(Now).ShouldBeFalse();
        Should.Throw<ConflictException>(() => invite.Revoke(Now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Create_with_uses_out_of_range_is_rejected(int uses) => Should.Throw<DomainException>(() => Make(maxUses: uses));

    [Fact]
    public void Create_with_expiry_in_the_past_is_rejected() => Should.Throw<DomainException>(() => Make(lifetime: TimeSpan.FromMinutes(-1)));

    [Fact]
    public void Create_with_expiry_beyond_a_year_is_rejected() => Should.Throw<DomainException>(() => Make(lifetime: TimeSpan.FromDays(400)));

    [Theory]
    [InlineData("general")]
    [InlineData("#general")]
    [InlineData("!room id:example.org")]
    public void Create_with_something_that_is_not_a_room_is_rejected(string room) => Should.Throw<DomainException>(() => Make(rooms: [room]));

    [Fact]
    public void Create_keeps_rooms_once() =>
        Make(rooms: ["#general:example.org", " #general:example.org ", "!abc:example.org"]).AutoJoinRooms.ShouldBe(["#general:example.org", "!abc:example.org"]);

    [Fact]
    public void Sync_uses_from_the_homeserver_never_exceeds_the_limit()
    {
        var invite = Make(maxUses: 3);

        invite.SyncUses(7);

        invite.Uses.ShouldBe(3);
    }
}

public sealed class ReservedUsernamesTests
{
    [Theory]
    [InlineData("panel-admin", true)]
    [InlineData("panel-admin-1a2b3c", true)]
    [InlineData("signalbot", true)]
    [InlineData("signal_+4912345", true)]
    [InlineData("telegram_42", true)]
    [InlineData("custom", true)]
    [InlineData("alice", false)]
    [InlineData("signals", false)]
    public void Is_reserved_covers_the_panel_and_bridges(string localpart, bool reserved) =>
        new ReservedUsernames(["custom"]).IsReserved(localpart).ShouldBe(reserved);
}
