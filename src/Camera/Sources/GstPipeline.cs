using System.Globalization;
using System.Text;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// Validates a gst-launch pipeline and builds the command that runs it. The pipeline must end in
/// <c>fdsink</c> (frames go to stdout, framed exactly like the ffmpeg pipe) and its last
/// <c>video/x-raw</c> caps must fix format (RGB or BGR), width and height, because raw frames on a
/// pipe carry no header to learn them from. Jetson CSI example:
/// <c>nvarguscamerasrc ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert !
/// video/x-raw,format=BGR,width=1280,height=720 ! fdsink</c>.
/// </summary>
public static class GstPipeline
{
    public const string DefaultLauncher = "gst-launch-1.0";

    internal static GstSourceSpec ParseSpec(string uri, string pipeline, Dictionary<string, string> options)
    {
        pipeline = pipeline.Trim();
        if (pipeline.Length == 0)
            throw new CameraConfigException("camera source 'gst:' has no pipeline; write gst:<elements> ! video/x-raw,format=BGR,width=W,height=H ! fdsink");
        return new GstSourceSpec
        {
            DisplayName = uri,
            Pipeline = pipeline,
            Geometry = GeometryOf(pipeline),
            StallTimeout = options.TryGetValue("stall", out var s) ? FrameSourceUri.ParseSeconds(s, "stall", uri) : TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>The geometry the pipeline's final caps promise.</summary>
    public static FrameGeometry GeometryOf(string pipeline)
    {
        string[] elements = pipeline.Split('!', StringSplitOptions.TrimEntries);
        string last = elements[^1];
        string sinkName = last.Split(' ', 2)[0];
        if (sinkName != "fdsink")
            throw new CameraConfigException($"gst pipeline must end in fdsink (frames are read from its stdout), but it ends in '{sinkName}'");
        if (last.Contains("fd=", StringComparison.Ordinal) && !last.Contains("fd=1", StringComparison.Ordinal))
            throw new CameraConfigException("gst pipeline's fdsink must write to stdout (fd=1, the default)");

        for (int i = elements.Length - 2; i >= 0; i--)
        {
            if (!elements[i].StartsWith("video/x-raw", StringComparison.Ordinal))
                continue;
            var fields = CapsFields(elements[i]);
            string? format = fields.GetValueOrDefault("format");
            PixelFormat pf = format switch
            {
                "RGB" => PixelFormat.Rgb24,
                "BGR" => PixelFormat.Bgr24,
                _ => throw new CameraConfigException($"gst pipeline's last caps must set format=RGB or format=BGR (packed 24-bit), not '{format ?? "(none)"}'"),
            };
            int width = CapsInt(fields, "width");
            int height = CapsInt(fields, "height");
            return new FrameGeometry(width, height, pf);
        }
        throw new CameraConfigException("gst pipeline needs caps before fdsink that fix the frame: ... ! video/x-raw,format=BGR,width=W,height=H ! fdsink");
    }

    /// <summary>gst-launch joins its arguments and re-parses them, so whitespace tokens are enough; quotes group.</summary>
    public static IReadOnlyList<string> BuildArguments(string pipeline)
    {
        var args = new List<string> { "-q", "-e" };
        var token = new StringBuilder();
        char quote = '\0';
        foreach (char c in pipeline)
        {
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else
                    token.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (token.Length > 0)
                {
                    args.Add(token.ToString());
                    token.Clear();
                }
            }
            else
            {
                token.Append(c);
            }
        }
        if (quote != '\0')
            throw new CameraConfigException($"gst pipeline has an unbalanced {quote} quote");
        if (token.Length > 0)
            args.Add(token.ToString());
        return args;
    }

    private static Dictionary<string, string> CapsFields(string caps)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in caps.Split(',', StringSplitOptions.TrimEntries).Skip(1))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0)
                continue;
            string value = part[(eq + 1)..].Trim();
            // Typed caps values look like (string)BGR or (int)1280.
            if (value.StartsWith('('))
            {
                int close = value.IndexOf(')');
                if (close > 0)
                    value = value[(close + 1)..];
            }
            fields[part[..eq].Trim()] = value;
        }
        return fields;
    }

    private static int CapsInt(Dictionary<string, string> fields, string key)
    {
        if (fields.TryGetValue(key, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v is >= 8 and <= 8192)
            return v;
        throw new CameraConfigException($"gst pipeline's last caps must fix {key} to an integer in 8..8192, e.g. {key}=640 (got '{(text ?? "(none)")}')");
    }
}
