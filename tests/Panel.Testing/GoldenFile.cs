using Shouldly;
using System.Runtime.CompilerServices;

namespace Panel.Testing;

/// <summary>
/// Compares generated text with a file checked in under Golden/ beside the test. Run the tests with
/// UPDATE_GOLDEN=1 to rewrite the files after an intended change, and review the diff.
/// </summary>
public static class GoldenFile
{
    public static void Check(string name, string actual, [CallerFilePath] string here = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(here)!, "Golden", name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }

        File.Exists(path).ShouldBeTrue($"{path} is missing: run the tests with UPDATE_GOLDEN=1 and check the new file in.");
        actual.ShouldBe(File.ReadAllText(path), $"{name} changed; if that is intended, run with UPDATE_GOLDEN=1 and review the diff.");
    }
}
