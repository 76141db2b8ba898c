using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>What a parsed source URI asks for; <see cref="FrameSourceFactory"/> turns it into a source.</summary>
public abstract record FrameSourceSpec
{
    /// <summary>The URI as written, with credentials redacted: safe for logs and telemetry.</summary>
    public required string DisplayName { get; init; }

    /// <summary>Live sources are restarted when they end; finite ones (files, folders) just end.</summary>
    public abstract bool IsLive { get; }
}

/// <summary>How ffmpeg is told to open its input; decides the low-latency and timeout flags.</summary>
public enum FfmpegInputKind
{
    File,
    Rtsp,
    Http,
    V4l2,
    /// <summary>Any other input ffmpeg understands (lavfi graphs, udp, srt, named pipes).</summary>
    Other,
}

public sealed record FfmpegSourceSpec : FrameSourceSpec
{
    public required string Input { get; init; }
    public required FfmpegInputKind Kind { get; init; }
    /// <summary>Output size; null keeps the input's own size (learned from ffmpeg at start).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }
    /// <summary>Output frame rate; null keeps the input's rate.</summary>
    public double? Fps { get; init; }
    public PixelFormat Format { get; init; } = PixelFormat.Rgb24;
    /// <summary>Read a file at its native rate (ffmpeg -re), as a camera would deliver it.</summary>
    public bool Realtime { get; init; }
    /// <summary>Loop a file forever (ffmpeg -stream_loop -1).</summary>
    public bool Loop { get; init; }
    /// <summary>ffmpeg demuxer name (-f before -i), e.g. lavfi, mjpeg, v4l2.</summary>
    public string? Demuxer { get; init; }
    /// <summary>RTSP transport: tcp (default, survives lossy links) or udp.</summary>
    public string RtspTransport { get; init; } = "tcp";
    /// <summary>A live source that delivers nothing for this long is treated as broken and restarted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public override bool IsLive => Kind != FfmpegInputKind.File || Loop;
}

public sealed record GstSourceSpec : FrameSourceSpec
{
    /// <summary>The gst-launch pipeline; it ends in fdsink and its last caps fix the geometry.</summary>
    public required string Pipeline { get; init; }
    public required FrameGeometry Geometry { get; init; }
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public override bool IsLive => true;
}

public sealed record SyntheticSourceSpec : FrameSourceSpec
{
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;
    /// <summary>Frames per second; 0 delivers frames as fast as the consumer takes them.</summary>
    public double Fps { get; init; } = 30;
    public PixelFormat Format { get; init; } = PixelFormat.Rgb24;
    public int Seed { get; init; } = 1;
    /// <summary>Stops after this many frames; null runs forever.</summary>
    public long? FrameCount { get; init; }

    public override bool IsLive => FrameCount is null;
}

public sealed record FolderSourceSpec : FrameSourceSpec
{
    public required string Directory { get; init; }
    public bool Loop { get; init; } = true;
    /// <summary>Frames per second; 0 delivers frames as fast as the consumer takes them.</summary>
    public double Fps { get; init; } = 10;
    public PixelFormat Format { get; init; } = PixelFormat.Rgb24;

    public override bool IsLive => false;
}
