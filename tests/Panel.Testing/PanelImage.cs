namespace Panel.Testing;

/// <summary>
/// The panel's container image, built the way a host without registry access builds it
/// (deploy/README.md): deploy/Dockerfile on the base made from Debian packages, with the panel
/// published into deploy/prebuilt. DeployTests runs it; the bench's P1d measures it under compose.
/// </summary>
public static class PanelImage
{
    /// <summary>Builds the image as <paramref name="tag"/>; returns the build context, whose deploy/prebuilt holds what the image runs.</summary>
    public static async Task<string> BuildAsync(string tag)
    {
        var baseImage = TestEnvironment.PanelBaseImage;
        if ((await DockerTestHelper.CliAsync("image", "inspect", baseImage)).ExitCode != 0)
        {
            throw new InvalidOperationException($"{baseImage} is missing. {TestEnvironment.HowToStart}");
        }

        // The build context a self-hoster has: the repository, with the panel published into deploy/prebuilt.
        var context = TestEnvironment.NewTempDirectory("panel-image");
        await PublishIntoAsync(Path.Combine(context, "deploy", "prebuilt"));
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", "Panel.sln" })
        {
            File.Copy(Path.Combine(TestEnvironment.RepoRoot, file), Path.Combine(context, file));
        }

        foreach (var project in new[] { "Panel.Domain", "Panel.Infrastructure", "Panel.Web" })
        {
            Directory.CreateDirectory(Path.Combine(context, "src", project));
            File.Copy(Path.Combine(TestEnvironment.RepoRoot, "src", project, project + ".csproj"), Path.Combine(context, "src", project, project + ".csproj"));
        }

        var built = await ProcessRunner.RunAsync("docker", "build", "-q", "-f", Path.Combine(TestEnvironment.RepoRoot, "deploy", "Dockerfile"),
            "--build-arg", $"SDK_IMAGE={baseImage}", "--build-arg", $"RUNTIME_IMAGE={baseImage}", "--label", "homeserver-panel.test=true", "-t", tag, context);
        return built.ExitCode == 0 ? context : throw new InvalidOperationException($"docker build of the panel's image failed: {built.Output}");
    }

    /// <summary>
    /// The panel published self-contained for linux-x64. tests/run.sh (and bench/run.sh) have already
    /// published exactly that (Release, the current runtime, self-contained) for the process tests, so
    /// it is copied rather than published a second time, which took two minutes; run alone, this publishes.
    /// </summary>
    private static async Task PublishIntoAsync(string target)
    {
        var already = Path.GetDirectoryName(PanelProcess.PanelDll)!;
        if (System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier == "linux-x64"
            && File.Exists(Path.Combine(already, "Panel.Web")) && File.Exists(Path.Combine(already, "libcoreclr.so")))
        {
            Directory.CreateDirectory(target);
            var copied = await ProcessRunner.RunAsync("cp", "-a", already + "/.", target + "/");
            if (copied.ExitCode != 0)
            {
                throw new InvalidOperationException($"copying the published panel failed: {copied.Output}");
            }

            return;
        }

        var published = await ProcessRunner.RunAsync("dotnet", "publish", Path.Combine(TestEnvironment.RepoRoot, "src", "Panel.Web"), "-c", "Release", "-r", "linux-x64", "--self-contained",
            "-nologo", "-o", target);
        if (published.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed: {published.Output}");
        }
    }
}
