using EdgeAgent.Camera.Sources;

namespace EdgeAgent.Camera.Tests.Sources;

public class CommandLineTests
{
    [Fact]
    public void Rtsp_gets_low_latency_transport_and_timeout_flags()
    {
        var spec = (FfmpegSourceSpec)FrameSourceUri.Parse("rtsp://cam/s#size=640x640&fps=15&stall=5");
        string cmd = string.Join(' ', FfmpegCommand.BuildArguments(spec));
        Assert.Contains("-fflags nobuffer -flags low_delay", cmd);
        Assert.Contains("-rtsp_transport tcp -timeout 5000000", cmd);
        Assert.Contains("-i rtsp://cam/s -map 0:v:0", cmd);
        Assert.Contains("-vf fps=15,scale=640:640:flags=bilinear", cmd);
        Assert.EndsWith("-f rawvideo -pix_fmt rgb24 pipe:1", cmd);
        Assert.DoesNotContain("-re", cmd);
    }

    [Fact]
    public void File_is_not_low_latency_and_honours_loop_and_realtime()
    {
        var spec = (FfmpegSourceSpec)FrameSourceUri.Parse("clip.mp4#loop=true&realtime=true&pixfmt=bgr24");
        var args = FfmpegCommand.BuildArguments(spec);
        string cmd = string.Join(' ', args);
        Assert.DoesNotContain("nobuffer", cmd);
        Assert.Contains("-re -stream_loop -1 -i clip.mp4", cmd);
        Assert.Contains("-loglevel info", cmd); // no size given: the size is read from ffmpeg's log
        Assert.EndsWith("-pix_fmt bgr24 pipe:1", cmd);
    }

    [Fact]
    public void V4l2_and_demuxer()
    {
        string v4l2 = string.Join(' ', FfmpegCommand.BuildArguments((FfmpegSourceSpec)FrameSourceUri.Parse("/dev/video0#size=640x480")));
        Assert.Contains("-f v4l2 -i /dev/video0", v4l2);
        string lavfi = string.Join(' ', FfmpegCommand.BuildArguments((FfmpegSourceSpec)FrameSourceUri.Parse("ffmpeg:testsrc2#demuxer=lavfi")));
        Assert.Contains("-f lavfi -i testsrc2", lavfi);
    }

    [Fact]
    public void Gst_arguments_keep_quoted_properties_together()
    {
        var args = GstPipeline.BuildArguments("nvarguscamerasrc sensor-id=0 ! textoverlay text=\"hello world\" ! video/x-raw,format=BGR,width=64,height=48 ! fdsink");
        Assert.Equal(["-q", "-e", "nvarguscamerasrc", "sensor-id=0", "!", "textoverlay", "text=hello world", "!", "video/x-raw,format=BGR,width=64,height=48", "!", "fdsink"], args);
        Assert.Throws<CameraConfigException>(() => GstPipeline.BuildArguments("a text=\"open ! fdsink"));
    }

    [Fact]
    public void Gst_typed_caps_are_understood()
    {
        var g = GstPipeline.GeometryOf("v4l2src ! videoconvert ! video/x-raw, format=(string)RGB, width=(int)320, height=(int)240 ! fdsink sync=false");
        Assert.Equal((320, 240, Frames.PixelFormat.Rgb24), (g.Width, g.Height, g.Format));
    }
}
