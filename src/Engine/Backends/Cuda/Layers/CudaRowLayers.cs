using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>Softmax or LayerNormalization over the trailing axes: one block per row.</summary>
internal sealed unsafe class CudaRowLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly string _kernel;
    private readonly TensorSlot _input, _output;
    private readonly int _rows, _length;
    private readonly DeviceBuffer? _scale, _bias;
    private readonly float _epsilon;
    private nint _function;

    private CudaRowLayer(CudaBackend backend, LayerSpec spec, string kernel, int length, float[]? scale, float[]? bias, float epsilon) : base(backend)
    {
        _module = backend.Module("elementwise");
        _kernel = kernel;
        _input = spec.Input(0);
        _output = spec.Output(0);
        _length = length;
        _rows = (int)(_input.ElementCount / length);
        _scale = scale is null ? null : backend.Device.Upload<float>(scale);
        _bias = bias is null ? null : backend.Device.Upload<float>(bias);
        _epsilon = epsilon;
    }

    /// <summary>Softmax along the last axis (or the flattened trailing axes of the opset-1..12 form).</summary>
    public static CudaRowLayer? Softmax(CudaBackend backend, LayerSpec spec)
    {
        var shape = spec.Input(0).Shape;
        if (shape.Length == 0 || spec.Input(0).IsConstant) return null;
        long a = spec.Node.GetInt("axis", -1);
        int axis = (int)(a < 0 ? a + shape.Length : a);
        bool legacy = spec.Node.GetInt(OpsetNormalizer.LegacySoftmaxAttribute, 0) != 0;
        if (!legacy && axis != shape.Length - 1) return null;
        int length = shape.Skip(axis).Aggregate(1, (x, y) => x * y);
        return length == 0 ? null : new CudaRowLayer(backend, spec, "softmax_rows", length, null, null, 0);
    }

    public static CudaRowLayer? LayerNorm(CudaBackend backend, LayerSpec spec)
    {
        var shape = spec.Input(0).Shape;
        long a = spec.Node.GetInt("axis", -1);
        int axis = (int)(a < 0 ? a + shape.Length : a);
        int length = shape.Skip(axis).Aggregate(1, (x, y) => x * y);
        if (spec.Outputs.Count > 1 || length == 0 || spec.Input(0).IsConstant) return null;
        if (spec.Input(1).Constant is not { } scale || scale.Length != length) return null;
        var bias = spec.OptionalInput(2);
        if (bias is not null && (bias.Constant is not { } b || b.Length != length)) return null;
        return new CudaRowLayer(backend, spec, "layernorm_rows", length, scale.Floats, bias?.Constant?.Floats, spec.Node.GetFloat("epsilon", 1e-5f));
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _kernel);
        ulong x = Address(state, _input), y = Address(state, _output);
        int length = _length;
        uint block = (uint)Math.Clamp((length + 31) / 32 * 32, 32, 256);
        if (_scale is null)
        {
            void** args = stackalloc void*[] { &x, &y, &length };
            Launch(_function, (uint)_rows, 1, 1, block, state, args);
        }
        else
        {
            ulong scale = _scale.Pointer, bias = _bias?.Pointer ?? 0;
            float epsilon = _epsilon;
            int hasBias = _bias is null ? 0 : 1;
            void** args = stackalloc void*[] { &x, &y, &scale, &bias, &length, &epsilon, &hasBias };
            Launch(_function, (uint)_rows, 1, 1, block, state, args);
        }
    }
}
