using System.Runtime.Intrinsics;
using EdgeAgent.Engine.Graph.Ops;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Cpu;

/// <summary>Applies an activation to a span in place, vectorized where the hardware allows.</summary>
internal static class ActivationMath
{
    public static void Apply(in Activation activation, Span<float> data)
    {
        switch (activation.Kind)
        {
            case ActivationKind.None: return;
            case ActivationKind.Relu: TensorPrimitives.Max(data, 0f, data); return;
            case ActivationKind.Clip:
                TensorPrimitives.Max(data, activation.Alpha, data);
                TensorPrimitives.Min(data, activation.Beta, data);
                return;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(data, data); return;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(data, data); return;
            case ActivationKind.HardSigmoid:
                TensorPrimitives.Multiply(data, activation.Alpha, data);
                TensorPrimitives.Add(data, activation.Beta, data);
                TensorPrimitives.Max(data, 0f, data);
                TensorPrimitives.Min(data, 1f, data);
                return;
            case ActivationKind.HardSwish: HardSwish(data); return;
            case ActivationKind.LeakyRelu: LeakyRelu(data, activation.Alpha); return;
            case ActivationKind.Silu: Silu(data); return;
            default:
                for (int i = 0; i < data.Length; i++) data[i] = activation.Apply(data[i]);
                return;
        }
    }

    private static void HardSwish(Span<float> data)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sixth = Vector256.Create(1f / 6f);
            var half = Vector256.Create(0.5f);
            for (; i <= data.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.Create(data.Slice(i, Vector256<float>.Count));
                var gate = Vector256.Min(Vector256.Max(x * sixth + half, Vector256<float>.Zero), Vector256<float>.One);
                (x * gate).CopyTo(data.Slice(i));
            }
        }
        for (; i < data.Length; i++) data[i] = data[i] * Math.Clamp(data[i] / 6f + 0.5f, 0f, 1f);
    }

    private static void LeakyRelu(Span<float> data, float alpha)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= data.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.Create(data.Slice(i, Vector256<float>.Count));
                Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * a).CopyTo(data.Slice(i));
            }
        }
        for (; i < data.Length; i++) data[i] = data[i] >= 0 ? data[i] : alpha * data[i];
    }

    /// <summary>x * sigmoid(x), through a small stack buffer so the sigmoid stays vectorized.</summary>
    private static void Silu(Span<float> data)
    {
        Span<float> gate = stackalloc float[256];
        for (int i = 0; i < data.Length; i += gate.Length)
        {
            var chunk = data.Slice(i, Math.Min(gate.Length, data.Length - i));
            var g = gate[..chunk.Length];
            TensorPrimitives.Sigmoid(chunk, g);
            TensorPrimitives.Multiply(chunk, g, chunk);
        }
    }
}
