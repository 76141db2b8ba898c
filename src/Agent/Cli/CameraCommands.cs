using System.CommandLine;
using EdgeAgent.Camera.Probe;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent camera ...</c>: check a frame source before pointing the agent at it.</summary>
public static class CameraCommands
{
    public static Command Build(TextWriter output)
    {
        var camera = new Command("camera", "Frame sources: cameras, streams, files, synthetic");
        var source = new Option<string>("--source", "-s")
        {
            Description = "Source URI: synthetic:640x480@30, file.mp4, rtsp://..., /dev/video0, gst:<pipeline>, folder:DIR",
            Required = true,
        };
        var seconds = new Option<double>("--seconds") { Description = "How long to watch the source", DefaultValueFactory = _ => 5 };
        var probe = new Command("probe", "Show a source's resolution, measured fps, drops and frame age") { source, seconds };
        probe.SetAction(async (parse, cancellationToken) =>
        {
            double duration = parse.GetValue(seconds);
            if (duration <= 0 || duration > 3600) throw new CliUsageException($"--seconds must be between 0 and 3600, got {duration}");
            var result = await CameraProbe.RunAsync(parse.GetValue(source)!, TimeSpan.FromSeconds(duration), cancellationToken);
            output.WriteLine(result.Format());
            return 0;
        });
        camera.Subcommands.Add(probe);
        return camera;
    }
}
