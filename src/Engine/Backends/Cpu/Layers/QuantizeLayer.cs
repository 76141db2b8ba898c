using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// QuantizeLinear to int8 with one scale and zero point (where a float tensor enters a chain of
/// INT8 layers): ONNX's q = saturate(round_half_even(x / scale) + zero_point), split across
/// threads in chunks. Other forms (per axis, uint8) run through the reference kernel.
/// </summary>
internal sealed unsafe class QuantizeLayer(LayerSpec spec) : ICompiledLayer
{
    private const int Chunk = 16384;
    private readonly long _input = spec.Input(0).Offset;
    private readonly long _output = spec.Output(0).Offset;
    private readonly int _length = checked((int)spec.Output(0).ElementCount);
    private readonly float _inverse = 1f / spec.Input(1).Constant!.Floats[0];
    private readonly int _zeroPoint = spec.OptionalInput(2)?.Constant is { } zp ? ((sbyte[])zp.Data)[0] : 0;

    public static bool CanCompile(LayerSpec spec) =>
        spec.Input(0).Type == DataType.Float32 && spec.Output(0).Type == DataType.Int8
        && spec.Input(1).Constant is { Length: 1, Type: DataType.Float32 }
        && spec.OptionalInput(2) is null or { Constant: { Length: 1, Type: DataType.Int8 } };

    private struct Args
    {
        public float* Src;
        public sbyte* Dst;
        public int Length, ZeroPoint;
        public float Inverse;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (sbyte*)(state.Arena + _output), Length = _length, Inverse = _inverse, ZeroPoint = _zeroPoint };
        state.Pool.Run((_length + Chunk - 1) / Chunk, &Body, (nint)(&args));
    }

    private static void Body(nint state, int i)
    {
        var a = (Args*)state;
        int start = i * Chunk, count = Math.Min(Chunk, a->Length - start);
        Int8Epilogue.Quantize(a->Src + start, count, a->Inverse, a->Dst + start, min: -128, zeroPoint: a->ZeroPoint);
    }
}
