using System.Globalization;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// Parses source URIs. Everything before '#' addresses the source; EdgeAgent's own options follow
/// '#' as key=value pairs joined by '&amp;', so a camera URL keeps its own query string untouched:
/// <c>rtsp://cam/stream#size=640x640&amp;fps=15</c>, <c>clip.mp4#loop=true</c>,
/// <c>synthetic:640x480@30</c>, <c>folder:/data/imgs#fps=5</c>, <c>gst:... ! fdsink</c>.
/// </summary>
public static partial class FrameSourceUri
{
    private static readonly string[] FfmpegKeys = ["size", "fps", "pixfmt", "realtime", "loop", "demuxer", "transport", "stall"];
    private static readonly string[] SyntheticKeys = ["pixfmt", "seed", "frames"];
    private static readonly string[] FolderKeys = ["loop", "fps", "pixfmt"];
    private static readonly string[] GstKeys = ["stall"];

    public static FrameSourceSpec Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string text = uri.Trim();
        if (text.Length == 0)
            throw new CameraConfigException("camera source URI is empty; use e.g. synthetic:640x480@30, clip.mp4, rtsp://host/stream, /dev/video0, folder:DIR or gst:PIPELINE");

        string? scheme = SchemeOf(text);
        return scheme switch
        {
            "synthetic" => ParseSynthetic(text),
            "folder" => ParseFolder(text),
            "gst" => GstPipeline.ParseSpec(text, SplitOptions(text["gst:".Length..], text, GstKeys, out var gstOptions), gstOptions),
            "ffmpeg" => ParseFfmpeg(text, text["ffmpeg:".Length..], explicitFfmpeg: true),
            "file" => ParseFfmpeg(text, FileUriPath(text), explicitFfmpeg: false),
            "rtsp" or "rtsps" or "http" or "https" or "rtmp" or "rtmps" or "udp" or "tcp" or "srt" or "rtp"
                => ParseFfmpeg(text, text, explicitFfmpeg: false),
            null => ParseFfmpeg(text, text, explicitFfmpeg: false),
            _ => throw new CameraConfigException(
                $"camera source '{Redact(text)}': unknown scheme '{scheme}:'; use synthetic:, folder:, gst:, ffmpeg:, file:, rtsp://, http(s)://, a file path or /dev/videoN"),
        };
    }

    /// <summary>Hides the password of user:password@host URLs.</summary>
    public static string Redact(string uri)
    {
        int schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
            return uri;
        int authorityStart = schemeEnd + 3;
        int slash = uri.IndexOf('/', authorityStart);
        int at = uri.LastIndexOf('@', slash < 0 ? uri.Length - 1 : slash);
        if (at < authorityStart)
            return uri;
        int colon = uri.IndexOf(':', authorityStart);
        if (colon < 0 || colon > at)
            return uri;
        return string.Concat(uri.AsSpan(0, colon + 1), "***", uri.AsSpan(at));
    }

    /// <summary>Hides every user:password@ in free text, such as a decoder's log line quoting its input URL.</summary>
    public static string RedactAll(string text) =>
        text.Contains('@', StringComparison.Ordinal) ? Credentials().Replace(text, "$1***@") : text;

    [System.Text.RegularExpressions.GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@")]
    private static partial System.Text.RegularExpressions.Regex Credentials();

    private static string? SchemeOf(string text)
    {
        if (text[0] == '/' || text[0] == '.')
            return null;
        int colon = text.IndexOf(':');
        if (colon <= 0)
            return null;
        for (int i = 0; i < colon; i++)
        {
            char c = text[i];
            bool ok = char.IsAsciiLetter(c) || (i > 0 && (char.IsAsciiDigit(c) || c is '+' or '-' or '.'));
            if (!ok)
                return null;
        }
        // A one-letter "scheme" would be a drive letter; paths with ':' later on are files.
        return colon == 1 ? null : text[..colon].ToLowerInvariant();
    }

    private static string FileUriPath(string text)
    {
        string rest = text["file:".Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
            if (!rest.StartsWith('/'))
                throw new CameraConfigException($"camera source '{text}': file URIs must be absolute, e.g. file:///data/clip.mp4");
        }
        return rest;
    }

    private static FrameSourceSpec ParseFfmpeg(string uri, string body, bool explicitFfmpeg)
    {
        string input = SplitOptions(body, uri, FfmpegKeys, out var options);
        if (input.Length == 0)
            throw new CameraConfigException($"camera source '{Redact(uri)}': nothing to open before the options");

        FfmpegInputKind kind = ClassifyInput(input, options.ContainsKey("demuxer"));
        (int? width, int? height) = options.TryGetValue("size", out var size) ? ParseSize(size, uri) : (null, null);
        string transport = options.GetValueOrDefault("transport", "tcp").ToLowerInvariant();
        if (transport is not ("tcp" or "udp"))
            throw new CameraConfigException($"camera source '{Redact(uri)}': transport must be tcp or udp, not '{transport}'");
        bool loop = options.TryGetValue("loop", out var l) && ParseBool(l, "loop", uri);
        if (loop && kind != FfmpegInputKind.File)
            throw new CameraConfigException($"camera source '{Redact(uri)}': loop applies to files only");

        return new FfmpegSourceSpec
        {
            DisplayName = Redact(uri),
            Input = input,
            Kind = kind,
            Width = width,
            Height = height,
            Fps = options.TryGetValue("fps", out var fps) ? ParseFps(fps, uri, allowZero: false) : null,
            Format = options.TryGetValue("pixfmt", out var pf) ? ParsePixelFormat(pf, uri) : PixelFormat.Rgb24,
            Realtime = options.TryGetValue("realtime", out var rt) && ParseBool(rt, "realtime", uri),
            Loop = loop,
            Demuxer = options.GetValueOrDefault("demuxer"),
            RtspTransport = transport,
            StallTimeout = options.TryGetValue("stall", out var stall) ? ParseSeconds(stall, "stall", uri) : TimeSpan.FromSeconds(10),
        };
    }

    private static FfmpegInputKind ClassifyInput(string input, bool hasDemuxer)
    {
        if (input.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
            return FfmpegInputKind.Rtsp;
        if (input.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return FfmpegInputKind.Http;
        if (input.StartsWith("/dev/video", StringComparison.Ordinal))
            return FfmpegInputKind.V4l2;
        if (hasDemuxer || input.Contains("://", StringComparison.Ordinal))
            return FfmpegInputKind.Other;
        return FfmpegInputKind.File;
    }

    private static SyntheticSourceSpec ParseSynthetic(string uri)
    {
        string body = SplitOptions(uri["synthetic:".Length..], uri, SyntheticKeys, out var options);
        var spec = new SyntheticSourceSpec { DisplayName = uri };
        if (body.Length > 0)
        {
            int at = body.IndexOf('@');
            string sizeText = at < 0 ? body : body[..at];
            (int? w, int? h) = ParseSize(sizeText, uri);
            spec = spec with { Width = w!.Value, Height = h!.Value };
            if (at >= 0)
                spec = spec with { Fps = ParseFps(body[(at + 1)..], uri, allowZero: true) };
        }
        if (options.TryGetValue("pixfmt", out var pf))
            spec = spec with { Format = ParsePixelFormat(pf, uri) };
        if (options.TryGetValue("seed", out var seed))
            spec = spec with { Seed = ParseInt(seed, "seed", uri, 0, int.MaxValue) };
        if (options.TryGetValue("frames", out var frames))
            spec = spec with { FrameCount = ParseInt(frames, "frames", uri, 1, int.MaxValue) };
        return spec;
    }

    private static FolderSourceSpec ParseFolder(string uri)
    {
        string dir = SplitOptions(uri["folder:".Length..], uri, FolderKeys, out var options);
        if (dir.Length == 0)
            throw new CameraConfigException($"camera source '{uri}': folder: needs a directory, e.g. folder:/data/images");
        return new FolderSourceSpec
        {
            DisplayName = uri,
            Directory = dir,
            Loop = !options.TryGetValue("loop", out var loop) || ParseBool(loop, "loop", uri),
            Fps = options.TryGetValue("fps", out var fps) ? ParseFps(fps, uri, allowZero: true) : 10,
            Format = options.TryGetValue("pixfmt", out var pf) ? ParsePixelFormat(pf, uri) : PixelFormat.Rgb24,
        };
    }

    internal static string SplitOptions(string body, string uri, string[] allowed, out Dictionary<string, string> options)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        int hash = body.IndexOf('#');
        if (hash < 0)
            return body;
        foreach (string pair in body[(hash + 1)..].Split('&'))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || eq == pair.Length - 1)
                throw new CameraConfigException($"camera source '{Redact(uri)}': option '{pair}' is not key=value");
            string key = pair[..eq].ToLowerInvariant();
            if (Array.IndexOf(allowed, key) < 0)
                throw new CameraConfigException($"camera source '{Redact(uri)}': unknown option '{key}'; this source accepts {string.Join(", ", allowed)}");
            if (!options.TryAdd(key, pair[(eq + 1)..]))
                throw new CameraConfigException($"camera source '{Redact(uri)}': option '{key}' given twice");
        }
        return body[..hash];
    }

    internal static (int? Width, int? Height) ParseSize(string text, string uri)
    {
        int x = text.IndexOf('x');
        if (x > 0
            && int.TryParse(text.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(text.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int h))
        {
            if (w is >= 8 and <= 8192 && h is >= 8 and <= 8192)
                return (w, h);
            throw new CameraConfigException($"camera source '{Redact(uri)}': size {text} is out of range; width and height must be 8..8192");
        }
        throw new CameraConfigException($"camera source '{Redact(uri)}': size '{text}' is not WIDTHxHEIGHT, e.g. 640x480");
    }

    private static double ParseFps(string text, string uri, bool allowZero)
    {
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double fps)
            && (fps > 0 || (allowZero && fps == 0)) && fps <= 1000)
            return fps;
        throw new CameraConfigException(
            $"camera source '{Redact(uri)}': frame rate '{text}' must be a number in {(allowZero ? "0" : "(0")}..1000{(allowZero ? " (0 = as fast as consumed)" : "]")}");
    }

    private static PixelFormat ParsePixelFormat(string text, string uri) => text.ToLowerInvariant() switch
    {
        "rgb24" or "rgb" => PixelFormat.Rgb24,
        "bgr24" or "bgr" => PixelFormat.Bgr24,
        _ => throw new CameraConfigException($"camera source '{Redact(uri)}': pixfmt '{text}' must be rgb24 or bgr24"),
    };

    private static bool ParseBool(string text, string key, string uri) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new CameraConfigException($"camera source '{Redact(uri)}': {key}='{text}' must be true or false"),
    };

    private static int ParseInt(string text, string key, string uri, int min, int max)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max)
            return v;
        throw new CameraConfigException($"camera source '{Redact(uri)}': {key}='{text}' must be an integer in {min}..{max}");
    }

    internal static TimeSpan ParseSeconds(string text, string key, string uri)
    {
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 3600)
            return TimeSpan.FromSeconds(s);
        throw new CameraConfigException($"camera source '{Redact(uri)}': {key}='{text}' must be seconds in (0, 3600]");
    }
}
