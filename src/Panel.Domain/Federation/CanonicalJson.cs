using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Panel.Domain.Federation;

/// <summary>
/// Matrix's canonical JSON (spec, appendix "Canonical JSON"): keys sorted by code point, no
/// insignificant whitespace, UTF-8 with only the escapes JSON requires. Signatures are made over it.
/// </summary>
public static class CanonicalJson
{
    /// <summary>The canonical bytes of <paramref name="value"/> without the given top-level keys (signatures, unsigned).</summary>
    public static byte[] Encode(JsonElement value, params string[] withoutTopLevel)
    {
        var text = new StringBuilder();
        Write(value, text, withoutTopLevel);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Write(JsonElement value, StringBuilder text, string[] skip)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in value.EnumerateObject().Where(p => !skip.Contains(p.Name, StringComparer.Ordinal)).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    text.Append(first ? "" : ",");
                    first = false;
                    WriteString(property.Name, text);
                    text.Append(':');
                    Write(property.Value, text, []);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(index++ == 0 ? "" : ",");
                    Write(item, text, []);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, text);
                break;
            case JsonValueKind.Number:
                // Matrix allows only integers in signed JSON.
                text.Append(value.GetInt64().ToString(CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(value.GetRawText());
                break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        text.Append('"');
    }
}
