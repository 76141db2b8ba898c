using System.Runtime.InteropServices;

namespace EdgeAgent.Telemetry.Tests.Infrastructure;

internal static partial class Posix
{
    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static void Terminate(int pid) => Kill(pid, SigTerm);
}
