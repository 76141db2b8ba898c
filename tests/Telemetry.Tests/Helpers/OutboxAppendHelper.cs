using Google.Protobuf;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Telemetry.Tests.Helpers;

/// <summary>outbox-append &lt;dir&gt; &lt;count&gt;: appends telemetry records, says APPENDED, then waits to be killed.</summary>
internal static class OutboxAppendHelper
{
    public static int Run(string[] args)
    {
        var outbox = DiskOutbox.Open(new OutboxOptions { Directory = args[1], Fsync = FsyncPolicy.Never });
        int count = int.Parse(args[2]);
        for (int i = 0; i < count; i++)
        {
            var telemetry = new EdgeAgent.Telemetry.Wire.Telemetry { Header = new Header { DeviceId = "crashy" }, WindowMs = (uint)i };
            outbox.Append(Streams.Telemetry, telemetry.ToByteArray(), 0);
        }
        Console.WriteLine("APPENDED");
        Thread.Sleep(TimeSpan.FromSeconds(60));
        GC.KeepAlive(outbox); // never disposed on purpose: the test kills this process
        return 0;
    }
}
