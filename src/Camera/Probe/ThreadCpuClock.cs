using System.Runtime.InteropServices;

namespace EdgeAgent.Camera.Probe;

/// <summary>CPU time of the calling thread (clock_gettime CLOCK_THREAD_CPUTIME_ID): what one core spent, not wall time.</summary>
internal static unsafe partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, Timespec* ts);

    public static TimeSpan Now()
    {
        Timespec ts;
        if (ClockGetTime(ClockThreadCpuTimeId, &ts) != 0)
            return TimeSpan.Zero;
        return TimeSpan.FromTicks(ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);
    }
}
