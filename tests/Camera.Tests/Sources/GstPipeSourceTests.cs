using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;
using EdgeAgent.Camera.Tests.Support;

namespace EdgeAgent.Camera.Tests.Sources;

[Collection(ClipCollection.Name)]
public class GstPipeSourceTests(TestClips clips)
{
    [Fact]
    public async Task Gst_source_reads_frames_with_the_caps_geometry_from_the_launcher()
    {
        // GStreamer is not on the build machine; a stand-in launcher writes the raw frames the
        // pipeline would, through the same process-pipe path, and records the arguments it got.
        string argsFile = clips.Path("gst-args.txt");
        string launcher = clips.Path("fake-gst-launch");
        await File.WriteAllTextAsync(launcher,
            "#!/bin/sh\n" +
            $"printf '%s\\n' \"$@\" > '{argsFile}'\n" +
            "exec ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i testsrc2=size=64x48:rate=30 -frames:v 5 -f rawvideo -pix_fmt bgr24 pipe:1\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var factory = new FrameSourceFactory(gstLauncher: launcher);
        var ct = Timeouts.After(20);
        await using var source = factory.Create(FrameSourceUri.Parse("gst:videotestsrc ! videoconvert ! video/x-raw,format=BGR,width=64,height=48 ! fdsink"));
        await source.StartAsync(ct);
        Assert.Equal(new FrameGeometry(64, 48, PixelFormat.Bgr24), source.Geometry);
        var buffer = new byte[source.Geometry.ByteCount];
        int n = 0;
        while (await source.ReadFrameAsync(buffer, ct) is not null)
            n++;
        Assert.Equal(5, n);
        string[] args = await File.ReadAllLinesAsync(argsFile);
        Assert.Equal(["-q", "-e", "videotestsrc", "!", "videoconvert", "!", "video/x-raw,format=BGR,width=64,height=48", "!", "fdsink"], args);
    }
}
