using Google.Protobuf;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Helpers;

/// <summary>outbox-append &lt;dir&gt; &lt;count&gt; [batch]: appends telemetry records (with "batch", ten per outbox write),
/// says APPENDED, then waits to be killed.</summary>
internal static class OutboxAppendHelper
{
    public static int Run(string[] args)
    {
        var outbox = DiskOutbox.Open(new OutboxOptions { Directory = args[1], Fsync = FsyncPolicy.Never });
        int count = int.Parse(args[2]);
        int perWrite = args.Length > 3 && args[3] == "batch" ? 10 : 1;
        var sequences = new ulong[perWrite];
        for (int i = 0; i < count; i += perWrite)
        {
            var entries = Enumerable.Range(i, Math.Min(perWrite, count - i))
                .Select(n => new OutboxEntry(Streams.Telemetry,
                    new EdgeAgent.Telemetry.Wire.Telemetry { Header = new Header { DeviceId = "crashy" }, WindowMs = (uint)n }.ToByteArray(), 0))
                .ToArray();
            if (perWrite == 1) outbox.Append(entries[0].Stream, entries[0].Payload.Span, 0);
            else outbox.Append(entries, sequences);
        }
        Console.WriteLine("APPENDED");
        Thread.Sleep(TimeSpan.FromSeconds(60));
        GC.KeepAlive(outbox); // never disposed on purpose: the test kills this process
        return 0;
    }
}
