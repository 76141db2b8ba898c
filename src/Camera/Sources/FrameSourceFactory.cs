using EdgeAgent.Camera.Diagnostics;
using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources.Folder;
using EdgeAgent.Camera.Sources.Resilience;
using EdgeAgent.Camera.Sources.Synthetic;

namespace EdgeAgent.Camera.Sources;

/// <summary>Turns a parsed URI into a running source; the only place that knows every source type.</summary>
public sealed class FrameSourceFactory
{
    private readonly ICameraLog _log;

    public FrameSourceFactory(ICameraLog? log = null, string ffmpegExecutable = FfmpegCommand.DefaultExecutable, string gstLauncher = GstPipeline.DefaultLauncher)
    {
        _log = log ?? NullCameraLog.Instance;
        FfmpegExecutable = ffmpegExecutable;
        GstLauncher = gstLauncher;
    }

    public string FfmpegExecutable { get; }

    public string GstLauncher { get; }

    /// <summary>One attempt at the source: it ends or throws when the underlying stream does.</summary>
    public IFrameSource Create(FrameSourceSpec spec) => spec switch
    {
        SyntheticSourceSpec s => new SyntheticFrameSource(s),
        FolderSourceSpec f => new FolderFrameSource(f, FfmpegExecutable),
        FfmpegSourceSpec f => CreateFfmpeg(f),
        GstSourceSpec g => new ProcessPipeSource(g.DisplayName, GstLauncher, GstPipeline.BuildArguments(g.Pipeline), g.Geometry, g.Geometry.Format, g.StallTimeout, _log),
        _ => throw new ArgumentException($"unknown source spec {spec.GetType().Name}", nameof(spec)),
    };

    /// <summary>
    /// The source as the service runs it: restarted with backoff when it fails, and when a live one
    /// ends. Without a policy, live sources retry forever; finite ones (a file, a folder) give up
    /// after three failures in a row, since a broken file does not heal.
    /// </summary>
    public ResilientFrameSource CreateResilient(FrameSourceSpec spec, RestartPolicy? policy = null)
    {
        policy ??= spec.IsLive ? RestartPolicy.Default : RestartPolicy.Default with { MaxConsecutiveFailures = 3 };
        return new(spec.DisplayName, () => Create(spec), policy, restartOnEnd: spec.IsLive, _log);
    }

    private ProcessPipeSource CreateFfmpeg(FfmpegSourceSpec spec)
    {
        if (spec.Kind == FfmpegInputKind.File && !File.Exists(spec.Input))
            throw new CameraConfigException($"camera source '{spec.DisplayName}': file '{spec.Input}' does not exist");
        if (spec.Kind == FfmpegInputKind.V4l2 && !File.Exists(spec.Input))
            throw new FrameSourceException($"{spec.DisplayName}: device '{spec.Input}' does not exist; is the camera plugged in?"); // may come back: retry
        FrameGeometry? geometry = spec.Width is int w && spec.Height is int h ? new FrameGeometry(w, h, spec.Format) : null;
        return new ProcessPipeSource(spec.DisplayName, FfmpegExecutable, FfmpegCommand.BuildArguments(spec), geometry, spec.Format, spec.StallTimeout, _log);
    }
}
