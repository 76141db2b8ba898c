using System.Diagnostics;
using EdgeAgent.Camera.Diagnostics;

namespace EdgeAgent.Camera.Tests.Support;

/// <summary>Camera log lines into the test's output, so a failing test shows what the source did.</summary>
public sealed class TestOutputLog(ITestOutputHelper output) : ICameraLog
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Write(CameraLogLevel level, string message)
    {
        try
        {
            output.WriteLine($"{_clock.Elapsed.TotalSeconds,7:0.000} {level,-11} {message}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; late lines from background pumps are dropped.
        }
    }
}
