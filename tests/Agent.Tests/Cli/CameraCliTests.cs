namespace EdgeAgent.Agent.Tests.Cli;

public sealed class CameraCliTests
{
    [Fact]
    public void ProbeOfTheSyntheticSourceReportsItsRate()
    {
        var r = CliRunner.Run("camera", "probe", "--source", "synthetic:320x240@20", "--seconds", "1.5");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("resolution  320x240", r.Output);
        var fps = double.Parse(System.Text.RegularExpressions.Regex.Match(r.Output, @"measured\s+([\d.]+) fps").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(fps, 10, 30);
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
