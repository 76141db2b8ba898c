using System.Numerics;
using System.Runtime.CompilerServices;
using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// One row of an epilogue, specialised per activation through a struct type parameter so
/// the loop body has no per-element dispatch. The tail shorter than a vector goes through a
/// stack vector, so every element sees exactly the same arithmetic. The post-epilogue affine
/// (y * scale + shift) is one FMA in the same pass; at (1, 0) it leaves every value as it was.
/// </summary>
internal static unsafe class EpilogueRows
{
    public static void Apply(float* c, int n, float bias, float* residual, Activation act, bool activationFirst, float scale, float shift, KernelIsa isa)
    {
        if (isa == KernelIsa.Portable) { Scalar(c, n, bias, residual, act, activationFirst, scale, shift); return; }
        switch (act.Kind)
        {
            case ActivationKind.None: Row<Identity>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Relu: Row<Relu>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Clip: Row<Clip>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.LeakyRelu: Row<LeakyRelu>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Sigmoid: Row<Sigmoid>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.HardSigmoid: Row<HardSigmoid>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.HardSwish: Row<HardSwish>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Tanh: Row<Tanh>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Silu: Row<Silu>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            case ActivationKind.Gelu: Row<Gelu>(c, n, bias, residual, act, activationFirst, scale, shift); break;
            default: throw new NotSupportedException($"activation {act.Kind} has no CPU epilogue");
        }
    }

    /// <summary>The portable path: the reference's own scalar activation.</summary>
    private static void Scalar(float* c, int n, float bias, float* residual, Activation act, bool activationFirst, float scale, float shift)
    {
        for (int i = 0; i < n; i++)
        {
            float v = c[i] + bias;
            if (residual == null) v = act.Apply(v);
            else v = activationFirst ? act.Apply(v) + residual[i] : act.Apply(v + residual[i]);
            c[i] = v * scale + shift;
        }
    }

    private static void Row<TAct>(float* c, int n, float bias, float* residual, Activation act, bool activationFirst, float scale, float shift)
        where TAct : struct, IVectorActivation
    {
        int w = Vector<float>.Count;
        var vb = new Vector<float>(bias);
        var vs = new Vector<float>(scale);
        var vt = new Vector<float>(shift);
        var a = new Vector<float>(act.Alpha);
        var b = new Vector<float>(act.Beta);
        int i = 0;
        if (residual == null)
            for (; i <= n - w; i += w) Vector.Store(Post(TAct.Apply(Vector.Load(c + i) + vb, a, b), vs, vt), c + i);
        else if (activationFirst)
            for (; i <= n - w; i += w) Vector.Store(Post(TAct.Apply(Vector.Load(c + i) + vb, a, b) + Vector.Load(residual + i), vs, vt), c + i);
        else
            for (; i <= n - w; i += w) Vector.Store(Post(TAct.Apply(Vector.Load(c + i) + vb + Vector.Load(residual + i), a, b), vs, vt), c + i);
        if (i == n) return;
        float* cv = stackalloc float[w], rv = stackalloc float[w];
        int rest = n - i;
        for (int j = 0; j < w; j++)
        {
            cv[j] = j < rest ? c[i + j] : 0f;
            rv[j] = j < rest && residual != null ? residual[i + j] : 0f;
        }
        var v = Vector.Load(cv) + vb;
        var r = Vector.Load(rv);
        v = residual == null ? TAct.Apply(v, a, b) : activationFirst ? TAct.Apply(v, a, b) + r : TAct.Apply(v + r, a, b);
        Vector.Store(Post(v, vs, vt), cv);
        for (int j = 0; j < rest; j++) c[i + j] = cv[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Post(Vector<float> v, Vector<float> scale, Vector<float> shift) => Vector.FusedMultiplyAdd(v, scale, shift);

    private interface IVectorActivation
    {
        static abstract Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta);
    }

    private struct Identity : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => x;
    }

    private struct Relu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => Vector.Max(x, Vector<float>.Zero);
    }

    private struct Clip : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => Vector.Min(Vector.Max(x, alpha), beta);
    }

    private struct LeakyRelu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) =>
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(x, Vector<float>.Zero), x, x * alpha);
    }

    private struct Sigmoid : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => VectorMath.Sigmoid(x);
    }

    private struct HardSigmoid : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) =>
            Vector.Min(Vector.Max(alpha * x + beta, Vector<float>.Zero), Vector<float>.One);
    }

    private struct HardSwish : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) =>
            x * Vector.Min(Vector.Max(x / new Vector<float>(6f) + new Vector<float>(0.5f), Vector<float>.Zero), Vector<float>.One);
    }

    private struct Tanh : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => VectorMath.Tanh(x);
    }

    private struct Silu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => x * VectorMath.Sigmoid(x);
    }

    private struct Gelu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha, Vector<float> beta) => VectorMath.Gelu(x);
    }
}
