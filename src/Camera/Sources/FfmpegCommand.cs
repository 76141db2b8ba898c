using System.Globalization;
using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// Builds the ffmpeg command line for a source: decode the first video stream, scale it in
/// ffmpeg (its SIMD scaler is faster than anything we would do on the CPU ourselves), and write
/// packed rgb24/bgr24 frames with no header to stdout.
/// </summary>
public static class FfmpegCommand
{
    public const string DefaultExecutable = "ffmpeg";

    public static IReadOnlyList<string> BuildArguments(FfmpegSourceSpec spec)
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats" };
        // The output stream line at info level is how an unscaled source learns its size.
        args.AddRange(["-loglevel", spec.Width is null ? "info" : "warning"]);

        if (spec.Kind != FfmpegInputKind.File)
        {
            // Live inputs: do not buffer packets to smooth timing; we want the newest frame now.
            args.AddRange(["-fflags", "nobuffer", "-flags", "low_delay"]);
        }
        string timeoutMicros = ((long)spec.StallTimeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        switch (spec.Kind)
        {
            case FfmpegInputKind.Rtsp:
                args.AddRange(["-rtsp_transport", spec.RtspTransport, "-timeout", timeoutMicros]);
                break;
            case FfmpegInputKind.Http:
                args.AddRange(["-rw_timeout", timeoutMicros]);
                break;
            case FfmpegInputKind.V4l2:
                args.AddRange(["-f", spec.Demuxer ?? "v4l2"]);
                break;
            case FfmpegInputKind.File:
                if (spec.Realtime)
                    args.Add("-re");
                if (spec.Loop)
                    args.AddRange(["-stream_loop", "-1"]);
                break;
        }
        if (spec.Demuxer is not null && spec.Kind != FfmpegInputKind.V4l2)
            args.AddRange(["-f", spec.Demuxer]);

        args.AddRange(["-i", spec.Input, "-map", "0:v:0", "-an", "-sn", "-dn"]);

        var filters = new List<string>();
        if (spec.Fps is double fps)
            filters.Add("fps=" + fps.ToString(CultureInfo.InvariantCulture));
        if (spec.Width is int w && spec.Height is int h)
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={w}:{h}:flags=bilinear"));
        if (filters.Count > 0)
            args.AddRange(["-vf", string.Join(',', filters)]);

        args.AddRange(["-f", "rawvideo", "-pix_fmt", PixFmtName(spec.Format), "pipe:1"]);
        return args;
    }

    public static string PixFmtName(PixelFormat format) => format == PixelFormat.Bgr24 ? "bgr24" : "rgb24";
}
