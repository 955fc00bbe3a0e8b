using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Panel.Domain.History;

/// <summary>A message's text for Matrix: a plain-text body and the same as Matrix HTML.</summary>
public sealed record MatrixText(string Body, string? Html);

/// <summary>
/// Converts Slack's markup ("mrkdwn") to Matrix HTML with a plain-text body: mentions of people
/// become links to their ghosts (named as people knew them), channel links and links keep their
/// text, and *bold*, _italic_, ~strike~, `code`, ```blocks``` and &gt; quotes become their HTML.
/// Slack escapes &amp;, &lt; and &gt; in its text; the body has them plain, the HTML escaped again.
/// </summary>
public static partial class SlackMarkup
{
    public static MatrixText ToMatrix(string text, Func<string, SlackPerson?> person, string serverName)
    {
        var body = new StringBuilder();
        var html = new StringBuilder();
        var formatted = false;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var inBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (i > 0)
            {
                body.Append('\n');
                if (!inBlock)
                {
                    html.Append("<br/>");
                }
                else
                {
                    html.Append('\n');
                }
            }

            // ``` opens and closes a preformatted block, which is taken as it is.
            var fences = CountFences(line);
            if (inBlock || line.Contains("```", StringComparison.Ordinal))
            {
                formatted = true;
                var plain = Unescape(line.Replace("```", "", StringComparison.Ordinal));
                body.Append(plain);
                var opens = !inBlock && fences > 0;
                inBlock = fences % 2 == 1 ? !inBlock : inBlock;
                html.Append(opens ? "<pre><code>" : "").Append(WebUtility.HtmlEncode(plain)).Append(!inBlock && fences > 0 ? "</code></pre>" : "");
                continue;
            }

            var quote = line.StartsWith("&gt; ", StringComparison.Ordinal) || line == "&gt;";
            if (quote)
            {
                formatted = true;
                line = line.Length > 5 ? line[5..] : "";
                body.Append("> ");
            }

            var (plainLine, htmlLine, marked) = Inline(line, person, serverName);
            formatted |= marked;
            body.Append(plainLine);
            html.Append(quote ? "<blockquote>" + htmlLine + "</blockquote>" : htmlLine);
        }

        if (inBlock)
        {
            html.Append("</code></pre>");
        }

        return new MatrixText(body.ToString(), formatted ? html.ToString() : null);
    }

    private static int CountFences(string line)
    {
        var count = 0;
        for (var i = line.IndexOf("```", StringComparison.Ordinal); i >= 0; i = line.IndexOf("```", i + 3, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>One line: &lt;…&gt; tokens and `code` spans first, then emphasis on the text between them.</summary>
    private static (string Plain, string Html, bool Marked) Inline(string line, Func<string, SlackPerson?> person, string serverName)
    {
        var plain = new StringBuilder();
        var html = new StringBuilder();
        var marked = false;
        var last = 0;
        foreach (Match m in Token().Matches(line))
        {
            var (p, h, e) = Emphasis(line[last..m.Index]);
            plain.Append(p);
            html.Append(h);
            marked |= e;
            last = m.Index + m.Length;
            if (m.Groups["code"].Success)
            {
                var code = Unescape(m.Groups["code"].Value);
                plain.Append('`').Append(code).Append('`');
                html.Append("<code>").Append(WebUtility.HtmlEncode(code)).Append("</code>");
                marked = true;
                continue;
            }

            var (tp, th) = Angle(m.Groups["inner"].Value, person, serverName);
            plain.Append(tp);
            html.Append(th);
            marked = true;
        }

        var (rp, rh, re) = Emphasis(line[last..]);
        return (plain.Append(rp).ToString(), html.Append(rh).ToString(), marked | re);
    }

    /// <summary>&lt;@U123&gt;, &lt;#C123|general&gt;, &lt;!here&gt;, &lt;https://…|label&gt;.</summary>
    private static (string Plain, string Html) Angle(string inner, Func<string, SlackPerson?> person, string serverName)
    {
        var bar = inner.IndexOf('|', StringComparison.Ordinal);
        var target = bar < 0 ? inner : inner[..bar];
        var label = bar < 0 ? null : Unescape(inner[(bar + 1)..]);
        switch (target.Length > 0 ? target[0] : ' ')
        {
            case '@':
                var id = target[1..];
                var who = person(id);
                var name = who?.ShownName ?? label ?? id;
                var mxid = $"@{SlackNames.GhostLocalpart(id)}:{serverName}";
                return (name, $"<a href=\"https://matrix.to/#/{WebUtility.HtmlEncode(mxid)}\">{WebUtility.HtmlEncode(name)}</a>");
            case '#':
                var channel = "#" + (label ?? target[1..]);
                return (channel, WebUtility.HtmlEncode(channel));
            case '!':
                var special = "@" + (label ?? target[1..].Split('^')[0]);
                return (special, WebUtility.HtmlEncode(special));
            default:
                var url = Unescape(target);
                var text = label ?? (url.StartsWith("mailto:", StringComparison.Ordinal) ? url[7..] : url);
                var safe = Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" or "mailto";
                return (label is null ? text : $"{text} ({url})",
                    safe ? $"<a href=\"{WebUtility.HtmlEncode(url)}\">{WebUtility.HtmlEncode(text)}</a>" : WebUtility.HtmlEncode(text));
        }
    }

    private static (string Plain, string Html, bool Marked) Emphasis(string segment)
    {
        var plain = Unescape(segment);
        var html = WebUtility.HtmlEncode(plain);
        var marked = false;
        foreach (var (regex, tag) in new[] { (Bold(), "strong"), (Italic(), "em"), (Strike(), "del") })
        {
            var replaced = regex.Replace(html, m => $"{m.Groups["pre"].Value}<{tag}>{m.Groups["text"].Value}</{tag}>");
            marked |= replaced != html;
            html = replaced;
        }

        return (plain, html, marked);
    }

    private static string Unescape(string s) => s.Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);

    [GeneratedRegex(@"`(?<code>[^`]+)`|<(?<inner>[^<>\s][^<>]*)>")]
    private static partial Regex Token();

    [GeneratedRegex(@"(?<pre>^|[\s(])\*(?<text>[^*\s](?:[^*]*[^*\s])?)\*(?=$|[\s.,;:!?)])")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<pre>^|[\s(])_(?<text>[^_\s](?:[^_]*[^_\s])?)_(?=$|[\s.,;:!?)])")]
    private static partial Regex Italic();

    [GeneratedRegex(@"(?<pre>^|[\s(])~(?<text>[^~\s](?:[^~]*[^~\s])?)~(?=$|[\s.,;:!?)])")]
    private static partial Regex Strike();
}
