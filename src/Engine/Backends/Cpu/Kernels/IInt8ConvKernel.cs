using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>An INT8 convolution compiled for one shape: the GEMM form or the depthwise one; both finish rows through <see cref="Int8Epilogue"/>.</summary>
public unsafe interface IInt8ConvKernel
{
    Conv2dShape Shape { get; }

    /// <summary>Bytes of scratch a run on <paramref name="threads"/> threads needs.</summary>
    long WorkspaceBytes(int threads);

    /// <summary>x is [N, C, H, W] int8; the output goes where the epilogue says. Allocates nothing.</summary>
    void Run(sbyte* x, in Int8Epilogue epilogue, byte* workspace, WorkerPool? pool);
}

/// <summary>The span form of the INT8 kernels, for tests and tools.</summary>
public static unsafe class Int8ConvKernels
{
    /// <summary>
    /// The span form, for tests and tools: an empty bias or residual means none; an int8 residual
    /// needs <paramref name="residualScale"/>; the output is int8 when <paramref name="yInt8"/> is
    /// not empty (requantized with <paramref name="outputScale"/>), else float. Allocates the workspace.
    /// </summary>
    public static void Run(this IInt8ConvKernel kernel, ReadOnlySpan<sbyte> x, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, ReadOnlySpan<sbyte> residualInt8, float residualScale,
        Graph.Ops.Activation activation, bool activationFirst, float postScale, float postShift, Span<float> y, Span<sbyte> yInt8, float outputScale,
        KernelIsa floatIsa, WorkerPool? pool)
    {
        var s = kernel.Shape;
        long inLength = (long)s.Batch * s.C * s.H * s.W, outLength = (long)s.Batch * s.M * s.OutH * s.OutW;
        if (x.Length < inLength || (yInt8.IsEmpty ? y.Length : yInt8.Length) < outLength) throw new ArgumentException($"convolution {s} needs {inLength} inputs and {outLength} outputs");
        if ((!residual.IsEmpty && residual.Length < outLength) || (!residualInt8.IsEmpty && residualInt8.Length < outLength) || (!bias.IsEmpty && bias.Length < s.M))
            throw new ArgumentException("bias or residual is too short");
        var workspace = new byte[kernel.WorkspaceBytes(pool?.Threads ?? 1)];
        fixed (sbyte* px = x, pq = yInt8, prq = residualInt8)
        fixed (float* pb = bias, pr = residual, py = y)
        fixed (byte* pw = workspace)
        {
            var epilogue = new Int8Epilogue
            {
                Bias = bias.IsEmpty ? null : pb, Activation = activation, ActivationFirst = activationFirst, PostScale = postScale, PostShift = postShift,
                Residual = residual.IsEmpty ? null : pr, ResidualInt8 = residualInt8.IsEmpty ? null : prq, ResidualScale = residualScale,
                OutputInt8 = yInt8.IsEmpty ? null : pq, Output = yInt8.IsEmpty ? py : null, InverseOutputScale = 1f / outputScale, FloatIsa = floatIsa,
            };
            kernel.Run(px, epilogue, pw, pool);
        }
    }

}
