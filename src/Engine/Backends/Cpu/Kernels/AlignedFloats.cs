namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A pinned float array whose usable part starts on a 64-byte boundary (a cache line, a zmm
/// load), readable through a pointer for as long as the owner keeps this object.
/// </summary>
internal sealed unsafe class AlignedFloats
{
    private readonly float[] _storage;
    private readonly int _offset;

    public AlignedFloats(long length)
    {
        _storage = GC.AllocateArray<float>(checked((int)(length + 16)), pinned: true);
        fixed (float* s = _storage) _offset = (int)((64 - ((nint)s & 63)) & 63) / sizeof(float);
    }

    public float* Data
    {
        get { fixed (float* s = _storage) return s + _offset; }
    }
}
