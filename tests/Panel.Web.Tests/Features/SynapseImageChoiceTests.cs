using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Features;

public sealed class SynapseImageChoiceTests
{
    private const string Official = "ghcr.io/element-hq/synapse:v1.160.0";

    [Fact]
    public void Without_the_official_image_a_local_build_is_proposed_with_its_latest_tag_first()
    {
        var (image, note) = SynapseImageChoice.Default(Official, ["homeserver-panel/synapse:1.160.0", "homeserver-panel/synapse:broken", "homeserver-panel/synapse:latest"]);

        image.ShouldBe("homeserver-panel/synapse:latest");
        note!.ShouldContain($"{Official} is not on this machine");
    }

    [Fact]
    public void The_official_image_is_proposed_when_it_is_here()
    {
        SynapseImageChoice.Default(Official, ["homeserver-panel/synapse:latest", Official]).Image.ShouldBe(Official);
    }

    [Fact]
    public void With_no_local_image_the_official_one_is_proposed_and_the_note_says_it_is_pulled()
    {
        var (image, note) = SynapseImageChoice.Default(Official, ["homeserver-panel/postgres:latest"]);

        image.ShouldBe(Official);
        note!.ShouldContain("pulled");
    }
}
