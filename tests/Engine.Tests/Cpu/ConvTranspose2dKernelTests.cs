using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;
using static EdgeAgent.Engine.Tests.Cpu.CpuKernelHarness;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>ConvTranspose2dKernel against the reference FusedConv with transposed = 1.</summary>
public sealed class ConvTranspose2dKernelTests(ITestOutputHelper output)
{
    public static TheoryData<KernelIsa, int> IsaAndThreads()
    {
        var data = new TheoryData<KernelIsa, int>();
        foreach (var isa in RunnableIsas) { data.Add(isa, 1); data.Add(isa, 2); }
        return data;
    }

    /// <summary>(N, C, H, W, M, KH, KW, strides, pads begin/end, dilations, output_padding, group).</summary>
    private static readonly int[][] Cases =
    [
        [1, 8, 10, 11, 6, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0, 0, 1],   // PP-OCR det upsampling: 2x2 stride 2
        [1, 5, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1],
        [2, 4, 5, 4, 6, 3, 3, 2, 2, 1, 0, 0, 1, 1, 1, 1, 1, 2],
        [1, 3, 6, 7, 5, 3, 2, 3, 2, 0, 1, 2, 0, 2, 1, 1, 0, 1],
        [1, 6, 9, 8, 6, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 6],     // depthwise upsampling
    ];

    [Theory]
    [MemberData(nameof(IsaAndThreads))]
    public void MatchesReference(KernelIsa isa, int threads)
    {
        var rnd = NewRandom(output, $"convtranspose {isa} x{threads}");
        using var pool = new WorkerPool(threads);
        foreach (var c in Cases)
        {
            var node = new Node("deconv", FusedOps.FusedConv, FusedOps.Domain);
            node.SetAttribute(NodeAttribute.Of("transposed", 1L));
            node.SetAttribute(NodeAttribute.Of("strides", new long[] { c[7], c[8] }));
            node.SetAttribute(NodeAttribute.Of("pads", new long[] { c[9], c[10], c[11], c[12] }));
            node.SetAttribute(NodeAttribute.Of("dilations", new long[] { c[13], c[14] }));
            node.SetAttribute(NodeAttribute.Of("output_padding", new long[] { c[15], c[16] }));
            node.SetAttribute(NodeAttribute.Of("group", (long)c[17]));
            var act = Activations[rnd.Next(Activations.Length)];
            bool first = rnd.Next(2) == 0;
            act.WriteTo(node);
            node.SetAttribute(NodeAttribute.Of("activation_first", first ? 1L : 0L));
            var (scale, shift) = RandomPost(rnd);
            node.SetAttribute(NodeAttribute.Of("post_scale", scale));
            node.SetAttribute(NodeAttribute.Of("post_shift", shift));
            int[] xShape = [c[0], c[1], c[2], c[3]], wShape = [c[1], c[4] / c[17], c[5], c[6]];
            var window = WindowAttributes.Parse(node, 2, wShape[2..]);
            var shape = ConvTranspose2dShape.From(xShape, wShape, window, c[17], node.GetInts("output_padding"), null);
            var x = Floats(rnd, (long)c[0] * c[1] * c[2] * c[3]);
            var w = Floats(rnd, (long)wShape[0] * wShape[1] * wShape[2] * wShape[3], 0.5f);
            var bias = Floats(rnd, shape.M);
            int[] yShape = [shape.Batch, shape.M, shape.OutH, shape.OutW];
            var residual = rnd.Next(2) == 0 ? Floats(rnd, (long)yShape[0] * yShape[1] * yShape[2] * yShape[3]) : null;
            var expected = FusedKernels.FusedConv(node, [Tensor.FromFloats(x, xShape), Tensor.FromFloats(w, wShape), Tensor.FromFloats(bias, shape.M),
                residual is null ? null : Tensor.FromFloats(residual, yShape)])[0];
            Assert.Equal(expected.Shape, yShape);
            var (mr, nr) = GemmTactic.MicroTile(isa);
            foreach (var tactic in new[] { GemmTactic.Default(isa, shape.ColumnRows, shape.H * shape.W, shape.CPerGroup), GemmTactic.Create(isa, 3, mr, nr) })
            {
                var kernel = new ConvTranspose2dKernel(shape, w, tactic);
                var y = new float[expected.Length];
                kernel.Run(x, y, bias, residual, act, first, new float[kernel.WorkspaceElements(threads)], pool, scale, shift);
                AssertClose(output, $"{shape} {tactic.Name} {act} residual={residual is not null} first={first} post=({scale}, {shift})", expected.Floats, y);
            }
        }
    }
}
