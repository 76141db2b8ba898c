using System.Globalization;
using System.Text;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// A result line for a PLC or microcontroller, e.g. <c>REJECT {frameId} {label} {score:F2}\n</c>.
/// Placeholders: frameId, triggerId, label, classId, score, count, time (Unix ms), tag (the
/// trigger's payload), text (the lines read in a frame, joined by " | "); numbers take a .NET format after ':'. Escapes: \n \r \t \\ and {{ }}.
/// The template is checked once when parsed; formatting then writes UTF-8 into a span without
/// allocating.
/// </summary>
public sealed class ResultTemplate
{
    public const int MaxLength = 1024;

    private static readonly string[] Fields = ["frameId", "triggerId", "label", "classId", "score", "count", "time", "tag", "text"];

    private readonly Segment[] _segments;

    private enum Kind { Literal, FrameId, TriggerId, Label, ClassId, Score, Count, Time, Tag, Text }

    private sealed record Segment(Kind Kind, byte[]? Literal, string? Format);

    private ResultTemplate(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public static ResultTemplate Parse(string template)
    {
        if (string.IsNullOrEmpty(template))
            throw new CameraConfigException("result template is empty; e.g. REJECT {frameId} {label} {score:F2}\\n");
        if (template.Length > MaxLength)
            throw new CameraConfigException($"result template is longer than {MaxLength} characters");
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '\\')
            {
                if (i + 1 == template.Length)
                    throw Bad(template, i, "ends with a lone backslash");
                literal.Append(template[++i] switch
                {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '\\' => '\\',
                    char other => throw Bad(template, i, $"has an unknown escape \\{other} (use \\n, \\r, \\t or \\\\)"),
                });
            }
            else if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                literal.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append('}');
                i++;
            }
            else if (c == '}')
            {
                throw Bad(template, i, "has a '}' without '{' (write }} for a literal brace)");
            }
            else if (c == '{')
            {
                int close = template.IndexOf('}', i);
                if (close < 0)
                    throw Bad(template, i, "has a '{' that is never closed");
                if (literal.Length > 0)
                {
                    segments.Add(new Segment(Kind.Literal, Encoding.UTF8.GetBytes(literal.ToString()), null));
                    literal.Clear();
                }
                segments.Add(Placeholder(template, template[(i + 1)..close], i));
                i = close;
            }
            else
            {
                literal.Append(c);
            }
        }
        if (literal.Length > 0)
            segments.Add(new Segment(Kind.Literal, Encoding.UTF8.GetBytes(literal.ToString()), null));
        return new ResultTemplate(template, segments.ToArray());
    }

    private static Segment Placeholder(string template, string body, int at)
    {
        int colon = body.IndexOf(':');
        string name = colon < 0 ? body : body[..colon];
        string? format = colon < 0 ? null : body[(colon + 1)..];
        Kind kind = name switch
        {
            "frameId" => Kind.FrameId,
            "triggerId" => Kind.TriggerId,
            "label" => Kind.Label,
            "classId" => Kind.ClassId,
            "score" => Kind.Score,
            "count" => Kind.Count,
            "time" => Kind.Time,
            "tag" => Kind.Tag,
            "text" => Kind.Text,
            _ => throw Bad(template, at, $"has an unknown placeholder {{{name}}}; use {string.Join(", ", Fields.Select(f => "{" + f + "}"))}"),
        };
        if (format is not null)
        {
            if (kind is Kind.Label or Kind.Tag or Kind.Text)
                throw Bad(template, at, $"formats {{{name}}}, which is text; only numbers take a format");
            try
            {
                // Probe the format once, so a bad one fails at startup, not on the first reject.
                _ = kind == Kind.Score ? 0.5f.ToString(format, CultureInfo.InvariantCulture) : 42L.ToString(format, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw Bad(template, at, $"has an invalid number format '{format}' for {{{name}}}");
            }
        }
        return new Segment(kind, null, format);
    }

    private static CameraConfigException Bad(string template, int at, string what) =>
        new($"result template \"{template}\" {what} (at character {at + 1})");

    /// <summary>Writes the line for <paramref name="fields"/>; returns the byte count, or -1 if it does not fit.</summary>
    public int Format(in ResultFields fields, Span<byte> destination)
    {
        int n = 0;
        foreach (Segment s in _segments)
        {
            int written;
            bool ok = s.Kind switch
            {
                Kind.Literal => TryLiteral(s.Literal!, destination[n..], out written),
                Kind.FrameId => fields.FrameId.TryFormat(destination[n..], out written, s.Format, CultureInfo.InvariantCulture),
                Kind.TriggerId => fields.TriggerId.TryFormat(destination[n..], out written, s.Format, CultureInfo.InvariantCulture),
                Kind.ClassId => fields.ClassId.TryFormat(destination[n..], out written, s.Format, CultureInfo.InvariantCulture),
                Kind.Count => fields.Count.TryFormat(destination[n..], out written, s.Format, CultureInfo.InvariantCulture),
                Kind.Time => fields.TimeUnixMs.TryFormat(destination[n..], out written, s.Format, CultureInfo.InvariantCulture),
                Kind.Score => fields.Score.TryFormat(destination[n..], out written, s.Format ?? "0.###", CultureInfo.InvariantCulture),
                Kind.Label => TryText(fields.Label, destination[n..], out written),
                Kind.Tag => TryText(fields.Tag, destination[n..], out written),
                Kind.Text => TryText(fields.Text, destination[n..], out written),
                _ => throw new InvalidOperationException(),
            };
            if (!ok)
                return -1;
            n += written;
        }
        return n;
    }

    public string FormatToString(in ResultFields fields)
    {
        Span<byte> buffer = stackalloc byte[4096];
        int n = Format(fields, buffer);
        return n < 0 ? throw new InvalidOperationException("result line longer than 4096 bytes") : Encoding.UTF8.GetString(buffer[..n]);
    }

    private static bool TryLiteral(byte[] literal, Span<byte> destination, out int written)
    {
        written = literal.Length;
        return literal.AsSpan().TryCopyTo(destination);
    }

    /// <summary>Text values with line breaks or control characters would break a line protocol; they become spaces.</summary>
    private static bool TryText(string? text, Span<byte> destination, out int written)
    {
        written = 0;
        if (string.IsNullOrEmpty(text))
            return true;
        if (Encoding.UTF8.GetMaxByteCount(text.Length) > destination.Length && Encoding.UTF8.GetByteCount(text) > destination.Length)
            return false;
        written = Encoding.UTF8.GetBytes(text, destination);
        foreach (ref byte b in destination[..written])
        {
            if (b < 0x20 || b == 0x7f)
                b = (byte)' ';
        }
        return true;
    }
}
