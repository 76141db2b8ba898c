using System.Globalization;
using System.Text;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources.Resilience;

namespace EdgeAgent.Camera.Probe;

/// <summary>What <c>edgeagent camera probe</c> measured. Ages are capture-to-dequeue times of delivered frames.</summary>
public sealed record ProbeResult
{
    public required string Source { get; init; }
    public required FrameGeometry Geometry { get; init; }
    public required double Seconds { get; init; }
    public required long Captured { get; init; }
    public required long Delivered { get; init; }
    public required long Dropped { get; init; }
    /// <summary>Frames per second the consumer received, between the first and the last frame.</summary>
    public required double DeliveredFps { get; init; }
    /// <summary>Frames per second the source produced over the same span.</summary>
    public required double CapturedFps { get; init; }
    public required double AgeP50Ms { get; init; }
    public required double AgeP90Ms { get; init; }
    public required double AgeP99Ms { get; init; }
    public required double AgeMaxMs { get; init; }
    public required double AgeMeanMs { get; init; }
    /// <summary>Mean age in frame periods of the source: 1 means a frame waits one frame time on average.</summary>
    public required double AgeMeanFrames { get; init; }
    public required SourceHealth Health { get; init; }
    /// <summary>Managed bytes this process allocated per delivered frame, all threads, first to last frame.</summary>
    public required double AllocatedBytesPerFrame { get; init; }
    /// <summary>Pre-processing CPU time per frame on the consumer thread, when a PreprocessConfig was given.</summary>
    public double? PreprocessCpuMsPerFrame { get; init; }
    public double? PreprocessWallMsPerFrame { get; init; }
    public string? PreprocessDescription { get; init; }

    public string Format()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"source      {Source}");
        sb.AppendLine(ci, $"resolution  {Geometry.Width}x{Geometry.Height} {(Geometry.Format == PixelFormat.Rgb24 ? "rgb24" : "bgr24")}");
        sb.AppendLine(ci, $"measured    {DeliveredFps:0.00} fps delivered, {CapturedFps:0.00} fps captured, over {Seconds:0.0} s");
        sb.AppendLine(ci, $"frames      {Delivered} delivered, {Dropped} dropped, {Captured} captured");
        sb.AppendLine(ci, $"frame age   p50 {AgeP50Ms:0.0} ms, p90 {AgeP90Ms:0.0} ms, p99 {AgeP99Ms:0.0} ms, max {AgeMaxMs:0.0} ms (mean {AgeMeanMs:0.0} ms = {AgeMeanFrames:0.00} frames)");
        sb.AppendLine(ci, $"allocation  {AllocatedBytesPerFrame:0} bytes/frame (whole process)");
        if (PreprocessCpuMsPerFrame is double cpu)
            sb.AppendLine(ci, $"preprocess  {cpu:0.00} ms/frame CPU, {PreprocessWallMsPerFrame:0.00} ms/frame wall ({PreprocessDescription})");
        sb.Append(ci, $"health      {Health.State}, {Health.Restarts} restart(s)");
        if (Health.LastError is not null)
            sb.Append(ci, $"; last error: {Health.LastError}");
        return sb.ToString();
    }
}
