namespace EdgeAgent.Agent.Tests.Cli;

public sealed class CameraCliTests
{
    [Fact]
    public void ProbeOfTheSyntheticSourceReportsWhatItSaw()
    {
        // Rates are measured by the camera benchmark; on a loaded test machine only their presence is checked here.
        var r = CliRunner.Run("camera", "probe", "--source", "synthetic:320x240@20", "--seconds", "1.5");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("resolution  320x240", r.Output);
        Assert.Matches(@"measured\s+[\d.]+ fps delivered", r.Output);
        var delivered = int.Parse(System.Text.RegularExpressions.Regex.Match(r.Output, @"frames\s+(\d+) delivered").Groups[1].Value);
        Assert.True(delivered > 0, r.Output);
    }

    [Theory]
    [InlineData("bogus://x", "unknown scheme")]
    [InlineData("/nonexistent/clip.mp4", "does not exist")]
    [InlineData("synthetic:0x0@30", "synthetic")]
    public void BadSourcesAreOneLineUserErrors(string uri, string expected)
    {
        var r = CliRunner.Run("camera", "probe", "--source", uri, "--seconds", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.ErrorLines);
        Assert.Contains(expected, r.Error);
    }

    [Fact]
    public void NegativeDurationIsRejected() =>
        Assert.Equal(2, CliRunner.Run("camera", "probe", "--source", "synthetic:64x64@5", "--seconds", "-1").ExitCode);
}
