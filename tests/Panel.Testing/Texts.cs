namespace Panel.Testing;

/// <summary>Picking values out of files the tests read from containers (registrations, homeserver.yaml).</summary>
public static class Texts
{
    /// <summary>The text between the first <paramref name="start"/> and the <paramref name="end"/> after it.</summary>
    public static string Between(string text, string start, string end)
    {
        var i = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[i..text.IndexOf(end, i, StringComparison.Ordinal)];
    }

    /// <summary>The value of a top-level or nested <c>key: value</c> line of a YAML file, unquoted.</summary>
    public static string YamlValue(string yaml, string key)
    {
        var line = yaml.Split('\n').First(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('"', '\'');
    }
}
