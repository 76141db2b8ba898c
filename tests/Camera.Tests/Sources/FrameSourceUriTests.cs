using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Sources;

namespace EdgeAgent.Camera.Tests.Sources;

public class FrameSourceUriTests
{
    [Fact]
    public void Synthetic_with_size_and_rate()
    {
        var s = Assert.IsType<SyntheticSourceSpec>(FrameSourceUri.Parse("synthetic:640x480@30"));
        Assert.Equal((640, 480, 30.0), (s.Width, s.Height, s.Fps));
        Assert.True(s.IsLive);
    }

    [Fact]
    public void Synthetic_defaults_and_options()
    {
        var s = Assert.IsType<SyntheticSourceSpec>(FrameSourceUri.Parse("synthetic:#pixfmt=bgr24&seed=7&frames=5"));
        Assert.Equal((640, 480, PixelFormat.Bgr24, 7, 5L), (s.Width, s.Height, s.Format, s.Seed, s.FrameCount));
        Assert.False(s.IsLive);
    }

    [Theory]
    [InlineData("clip.mp4", FfmpegInputKind.File, "clip.mp4")]
    [InlineData("/data/clip.mkv", FfmpegInputKind.File, "/data/clip.mkv")]
    [InlineData("file:///data/clip.mp4", FfmpegInputKind.File, "/data/clip.mp4")]
    [InlineData("rtsp://10.0.0.5:554/stream1", FfmpegInputKind.Rtsp, "rtsp://10.0.0.5:554/stream1")]
    [InlineData("http://cam/mjpg/video.mjpg?resolution=640x480", FfmpegInputKind.Http, "http://cam/mjpg/video.mjpg?resolution=640x480")]
    [InlineData("/dev/video0", FfmpegInputKind.V4l2, "/dev/video0")]
    [InlineData("ffmpeg:testsrc2=size=64x48#demuxer=lavfi", FfmpegInputKind.Other, "testsrc2=size=64x48")]
    [InlineData("ffmpeg:/data/clip.mp4", FfmpegInputKind.File, "/data/clip.mp4")]
    public void Ffmpeg_inputs_are_classified(string uri, FfmpegInputKind kind, string input)
    {
        var s = Assert.IsType<FfmpegSourceSpec>(FrameSourceUri.Parse(uri));
        Assert.Equal(kind, s.Kind);
        Assert.Equal(input, s.Input);
    }

    [Fact]
    public void Options_follow_the_hash_and_leave_the_url_query_alone()
    {
        var s = Assert.IsType<FfmpegSourceSpec>(FrameSourceUri.Parse("http://cam/stream?x=1#size=640x640&fps=15&pixfmt=bgr24&stall=2.5"));
        Assert.Equal("http://cam/stream?x=1", s.Input);
        Assert.Equal((640, 640, 15.0, PixelFormat.Bgr24), (s.Width, s.Height, s.Fps, s.Format));
        Assert.Equal(TimeSpan.FromSeconds(2.5), s.StallTimeout);
    }

    [Fact]
    public void File_loop_and_realtime()
    {
        var s = Assert.IsType<FfmpegSourceSpec>(FrameSourceUri.Parse("clip.mp4#loop=true&realtime=1"));
        Assert.True(s.Loop && s.Realtime && s.IsLive);
        Assert.False(((FfmpegSourceSpec)FrameSourceUri.Parse("clip.mp4")).IsLive);
    }

    [Fact]
    public void Folder_and_gst()
    {
        var f = Assert.IsType<FolderSourceSpec>(FrameSourceUri.Parse("folder:/data/imgs#loop=false&fps=0"));
        Assert.Equal(("/data/imgs", false, 0.0), (f.Directory, f.Loop, f.Fps));
        var g = Assert.IsType<GstSourceSpec>(FrameSourceUri.Parse(
            "gst:nvarguscamerasrc ! nvvidconv ! videoconvert ! video/x-raw,format=BGR,width=1280,height=720 ! fdsink"));
        Assert.Equal(new FrameGeometry(1280, 720, PixelFormat.Bgr24), g.Geometry);
    }

    [Fact]
    public void Credentials_are_redacted_in_the_display_name()
    {
        var s = FrameSourceUri.Parse("rtsp://admin:secret@10.0.0.5/stream#size=640x480");
        Assert.DoesNotContain("secret", s.DisplayName);
        Assert.Contains("admin:***@10.0.0.5", s.DisplayName);
        Assert.Equal("rtsp://admin:secret@10.0.0.5/stream", ((FfmpegSourceSpec)s).Input);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("bogus:thing", "unknown scheme 'bogus:'")]
    [InlineData("synthetic:640", "WIDTHxHEIGHT")]
    [InlineData("synthetic:640x", "WIDTHxHEIGHT")]
    [InlineData("synthetic:x480", "WIDTHxHEIGHT")]
    [InlineData("synthetic:-640x480", "WIDTHxHEIGHT")]
    [InlineData("synthetic:99999x480", "out of range")]
    [InlineData("synthetic:640x480@", "frame rate")]
    [InlineData("synthetic:640x480@abc", "frame rate")]
    [InlineData("synthetic:640x480@-5", "frame rate")]
    [InlineData("synthetic:640x480@5000", "frame rate")]
    [InlineData("synthetic:#seed=x", "seed")]
    [InlineData("synthetic:#frames=0", "frames")]
    [InlineData("clip.mp4#size=640", "WIDTHxHEIGHT")]
    [InlineData("clip.mp4#fps=0", "frame rate")]
    [InlineData("clip.mp4#pixfmt=yuv420p", "rgb24 or bgr24")]
    [InlineData("clip.mp4#loop=maybe", "true or false")]
    [InlineData("clip.mp4#colour=red", "unknown option 'colour'")]
    [InlineData("clip.mp4#size", "not key=value")]
    [InlineData("clip.mp4#size=", "not key=value")]
    [InlineData("clip.mp4#size=64x64&size=32x32", "given twice")]
    [InlineData("clip.mp4#stall=0", "seconds")]
    [InlineData("rtsp://cam/s#transport=quic", "tcp or udp")]
    [InlineData("rtsp://cam/s#loop=true", "files only")]
    [InlineData("#size=64x64", "nothing to open")]
    [InlineData("file://relative/clip.mp4", "absolute")]
    [InlineData("folder:", "needs a directory")]
    [InlineData("folder:/x#fps=fast", "frame rate")]
    [InlineData("gst:", "no pipeline")]
    [InlineData("gst:videotestsrc ! autovideosink", "must end in fdsink")]
    [InlineData("gst:videotestsrc ! fdsink", "caps before fdsink")]
    [InlineData("gst:videotestsrc ! video/x-raw,format=I420,width=64,height=48 ! fdsink", "format=RGB or format=BGR")]
    [InlineData("gst:videotestsrc ! video/x-raw,format=RGB,height=48 ! fdsink", "fix width")]
    [InlineData("gst:videotestsrc ! video/x-raw,format=RGB,width=big,height=48 ! fdsink", "fix width")]
    [InlineData("gst:videotestsrc ! video/x-raw,format=RGB,width=64,height=48 ! fdsink fd=3", "stdout")]
    public void Malformed_uris_give_clear_config_errors(string uri, string expected)
    {
        var ex = Assert.Throws<CameraConfigException>(() => FrameSourceUri.Parse(uri));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Redaction_in_free_text()
    {
        Assert.Equal("Input #0, rtsp, from 'rtsp://admin:***@10.0.0.5/s': x", FrameSourceUri.RedactAll("Input #0, rtsp, from 'rtsp://admin:s3cret@10.0.0.5/s': x"));
        Assert.Equal("a http://u:***@h/x and rtsp://v:***@k", FrameSourceUri.RedactAll("a http://u:p1@h/x and rtsp://v:p2@k"));
        Assert.Equal("user@example.com wrote", FrameSourceUri.RedactAll("user@example.com wrote"));
    }

    [Fact]
    public void Redaction_leaves_plain_urls_alone()
    {
        Assert.Equal("rtsp://10.0.0.5/s", FrameSourceUri.Redact("rtsp://10.0.0.5/s"));
        Assert.Equal("rtsp://user@10.0.0.5/s", FrameSourceUri.Redact("rtsp://user@10.0.0.5/s"));
        Assert.Equal("clip.mp4", FrameSourceUri.Redact("clip.mp4"));
    }
}
