using Panel.Infrastructure.Docker;

namespace Panel.Infrastructure.Tests.Docker;

public sealed class PullFailureTests
{
    [Theory]
    [InlineData("registry.invalid/synapse:1", "Get \"https://registry.invalid/v2/\": dial tcp: lookup registry.invalid on 10.0.0.53:53: no such host", "this machine cannot reach the registry registry.invalid")]
    [InlineData("matrixdotorg/synapse:v9.9.9", "manifest for matrixdotorg/synapse:v9.9.9 not found: manifest unknown: manifest unknown", "the registry docker.io has no such image or tag")]
    [InlineData("someone/private", "pull access denied for someone/private, repository does not exist or may require 'docker login'", "the registry docker.io refused it: the image is private, or does not exist")]
    [InlineData("localhost:5000/synapse", "toomanyrequests: You have reached your pull rate limit", "the registry localhost:5000 limits how often this machine may pull; try again later")]
    [InlineData("ghcr.io/x/y", null, "the registry ghcr.io did not deliver it")]
    public void A_pull_failure_is_said_in_words_naming_the_registry(string image, string? engineText, string expected) =>
        PullFailure.Reason(image, engineText).ShouldBe(expected);
}
