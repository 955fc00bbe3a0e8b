using Panel.Domain.Common;
using Panel.Domain.History;
using Panel.Infrastructure.Slack;
using Panel.Testing;
using Panel.Testing.Slack;

namespace Panel.Infrastructure.Tests.Slack;

public sealed class SlackExportReaderTests
{
    private static readonly string Directory = TestEnvironment.NewTempDirectory("slack");

    [Fact]
    public void A_generated_two_year_export_reads_back_with_its_people_channels_threads_and_files()
    {
        var written = SlackExportGenerator.Write(Path.Combine(Directory, "workspace.zip"));
        using var export = SlackExportReader.Open(written.Path);

        export.People.Count.ShouldBe(14);
        export.People.ShouldContain(p => p.Deleted && p.RealName == "Former Member");
        export.People.ShouldContain(p => p.Bot && p.Name == "deploybot");
        export.Channels.Select(c => c.Name).ShouldBe(written.Channels, ignoreOrder: true);
        export.Channels.Single(c => c.Name == "core-team").Kind.ShouldBe(SlackChannelKind.Private);

        var messages = export.Channels.SelectMany(export.Messages).Where(m => !m.IsHousekeeping).ToList();
        messages.Count.ShouldBe(written.Messages);
        messages.Count.ShouldBeGreaterThanOrEqualTo(5000);
        messages.Count(m => m.IsReply).ShouldBe(written.Replies);
        messages.Count(m => m.Edited).ShouldBe(written.Edited);
        messages.Count(m => m.Reactions.Count > 0).ShouldBe(written.Reactions);
        messages.SelectMany(m => m.Files).Count(f => f.Present).ShouldBe(written.FilesIncluded);
        messages.SelectMany(m => m.Files).Count(f => !f.Present).ShouldBe(written.FilesLinked);
        messages.ShouldContain(m => m.BotName == "deploybot");
        messages.Min(m => m.Time).ShouldBe(written.First, TimeSpan.FromSeconds(1));

        var image = messages.SelectMany(m => m.Files).First(f => f.Present);
        using var stream = export.OpenFile(image);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.ToArray().ShouldBe(SlackExportGenerator.Png);
    }

    [Fact]
    public void The_preview_counts_what_comes_across_and_says_what_does_not()
    {
        var written = SlackExportGenerator.Write(Path.Combine(Directory, "preview.zip"), SlackExportGenerator.Shape.Small);
        using var export = SlackExportReader.Open(written.Path);

        var preview = export.Preview("Example");

        preview.Messages.ShouldBe(written.Messages);
        preview.Channels.Count.ShouldBe(5);
        preview.People.ShouldBe(7, "six people and the deleted one; the bot apart");
        preview.Bots.ShouldBe(1);
        preview.DeletedPeople.ShouldBe(1);
        preview.FilesMissing.ShouldBe(written.FilesLinked);
        preview.NotComingAcross.ShouldContain(s => s.Contains("only links to Slack"));
        preview.From!.Value.ShouldBe(written.First, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_zip_that_is_not_a_Slack_export_is_refused_and_says_where_to_get_one() =>
        Should.Throw<DomainException>(() => SlackExportReader.Open(BadZips.NotAnExport(Directory))).Message.ShouldContain("not a Slack export");

    [Fact]
    public void A_truncated_zip_is_refused_as_cut_short() =>
        Should.Throw<DomainException>(() => SlackExportReader.Open(BadZips.Truncated(Directory))).Message.ShouldContain("cut short");

    [Fact]
    public void A_path_that_climbs_out_of_the_export_is_refused() =>
        Should.Throw<DomainException>(() => SlackExportReader.Open(BadZips.PathTraversal(Directory))).Message.ShouldContain("climbs out of the export (../../etc/cron.d/evil)");

    [Fact]
    public void A_zip_bomb_is_refused_before_anything_is_unpacked() =>
        Should.Throw<DomainException>(() => SlackExportReader.Open(BadZips.Bomb(Directory))).Message.ShouldContain("zip bomb");
}
