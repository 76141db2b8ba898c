using EdgeAgent.Camera.Capture;
using EdgeAgent.Camera.Diagnostics;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// Listens on a serial port for trigger lines or byte patterns and fires a <see cref="TriggerGate"/>,
/// which lets the next captured frame through tagged with the trigger's id. Reading happens on
/// its own thread because tty reads block; the 100 ms read timeout lets it stop promptly.
/// </summary>
public sealed class SerialTrigger : IAsyncDisposable
{
    private readonly SerialDevice _device;
    private readonly TriggerMatcher _matcher;
    private readonly TriggerGate _gate;
    private readonly ICameraLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public SerialTrigger(SerialDevice device, TriggerPattern pattern, TriggerGate gate, ICameraLog? log = null)
    {
        _device = device;
        _matcher = pattern.CreateMatcher();
        _gate = gate;
        _log = log ?? NullCameraLog.Instance;
        _reader = Task.Factory.StartNew(ReadLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Completes when the reader stops: disposed (an unplugged adapter is reopened by <see cref="SerialDevice"/>, not fatal).</summary>
    public Task Completion => _reader;

    private void ReadLoop()
    {
        Span<byte> buffer = stackalloc byte[256];
        CancellationToken ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int n = _device.Read(buffer);
                for (int i = 0; i < n; i++)
                {
                    if (_matcher.Feed(buffer[i], out string? payload))
                        _gate.Fire(payload);
                }
            }
        }
        catch (IOException ex)
        {
            _log.Write(CameraLogLevel.Error, $"serial trigger on {_device.Settings.Device} stopped: {ex.Message}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already logged; disposing should not throw it again.
        }
        _stop.Dispose();
    }
}
