namespace EdgeAgent.Camera.Serial;

/// <summary>
/// Sends one formatted result line per call to a serial port (a PLC input, a reject gate's
/// microcontroller). Formatting goes into a reused buffer, so steady state allocates nothing.
/// Safe to call from several threads.
/// </summary>
public sealed class SerialResultWriter
{
    private readonly SerialDevice _device;
    private readonly ResultTemplate _template;
    private readonly byte[] _buffer = new byte[4096];
    private readonly object _lock = new();

    public SerialResultWriter(SerialDevice device, ResultTemplate template)
    {
        _device = device;
        _template = template;
    }

    public long LinesWritten { get; private set; }

    public void Write(in ResultFields fields)
    {
        lock (_lock)
        {
            int n = _template.Format(fields, _buffer);
            if (n < 0)
                throw new InvalidOperationException($"result line for frame {fields.FrameId} exceeds {_buffer.Length} bytes");
            _device.Write(_buffer.AsSpan(0, n));
            LinesWritten++;
        }
    }
}
