using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// Enlarges a decoder's stdout pipe (Linux F_SETPIPE_SZ). The default 64 KiB holds a twentieth of
/// a 640x640 frame, so the decoder blocks and the reader wakes ~20 times per frame; a pipe that
/// holds a whole frame lets most reads complete at once, which costs fewer context switches and
/// fewer asynchronous completions (each of which allocates).
/// </summary>
internal static partial class PipeCapacity
{
    private const int F_SETPIPE_SZ = 1031;
    private const int Fallback = 1 << 20; // /proc/sys/fs/pipe-max-size default for unprivileged users

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>Best effort: returns the new capacity, or 0 when the pipe kept its size.</summary>
    public static int TryEnlarge(Stream stream, int wantedBytes)
    {
        if (stream is not PipeStream pipe)
            return 0;
        int fd = (int)pipe.SafePipeHandle.DangerousGetHandle();
        int wanted = (int)Math.Min(1L << 26, Math.Max(Fallback, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, wantedBytes))));
        int size = Fcntl(fd, F_SETPIPE_SZ, wanted);
        if (size < 0 && wanted > Fallback)
            size = Fcntl(fd, F_SETPIPE_SZ, Fallback);
        return Math.Max(size, 0);
    }
}
