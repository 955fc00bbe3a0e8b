using Panel.Domain.Containers;
using Panel.Testing.Fakes;
using Panel.Web.Features.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Tests.Features;

public sealed class ImagePullerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Progress_is_the_share_of_all_layers_bytes()
    {
        ImagePuller.Percent([(50, 100), (0, 300)]).ShouldBe(12.5);
        ImagePuller.Percent([]).ShouldBeNull();
        ImagePuller.Percent([(120, 100)]).ShouldBe(100);
    }

    [Fact]
    public async Task An_image_already_here_is_not_pulled()
    {
        var engine = new FakeContainerRuntime().WithImage("example.test/a:1");

        (await engine.EnsureAsync("example.test/a:1", OperationContext.Silent, "pull", Ct)).ShouldBeFalse();

        engine.Calls.ShouldNotContain(c => c.StartsWith(nameof(IContainerRuntime.PullImageAsync), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pull_that_fails_half_way_reaches_the_caller_as_the_engines_reason()
    {
        var engine = new FakeContainerRuntime();
        engine.FailOn(nameof(IContainerRuntime.PullImageAsync), new ImageUnavailableException("The image example.test/b:1 is not on this machine and could not be pulled (unexpected EOF)."));

        var error = await Should.ThrowAsync<ImageUnavailableException>(() => engine.EnsureAsync("example.test/b:1", OperationContext.Silent, "pull", Ct));

        error.Message.ShouldContain("unexpected EOF");
    }
}
