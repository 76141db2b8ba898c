using Microsoft.Extensions.Logging;

namespace EdgeAgent.Agent.Service;

/// <summary>Camera log lines into the agent's log.</summary>
internal sealed class CameraLog(ILogger log) : Camera.Diagnostics.ICameraLog
{
    public void Write(Camera.Diagnostics.CameraLogLevel level, string message)
    {
        var mapped = level switch
        {
            Camera.Diagnostics.CameraLogLevel.Debug => LogLevel.Debug,
            Camera.Diagnostics.CameraLogLevel.Warning => LogLevel.Warning,
            Camera.Diagnostics.CameraLogLevel.Error => LogLevel.Error,
            _ => LogLevel.Information,
        };
        log.Log(mapped, "{Message}", message);
    }
}
