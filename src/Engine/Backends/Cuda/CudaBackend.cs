using System.Runtime.InteropServices;
using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cuda.Layers;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// The CUDA backend: kernels from CUDA C templates compiled with NVRTC for this GPU's own
/// architecture, NCHW activations in device memory (FP16 storage for fp16 engines, FP32 for
/// fp32 ones), implicit-GEMM convolutions on tensor cores with fused epilogues, and each
/// context's whole inference replayed as a CUDA Graph. Ops without a kernel run on the host
/// through the reference kernel.
/// </summary>
public sealed unsafe class CudaBackend : IDeviceBackend, ILayerTimer, IKernelBinaryStore, IChannelsLastBackend, IPeakRate, IDisposable
{
    /// <summary>int8 and best run QConv layers in INT8 and everything else as fp16 does.</summary>
    public static readonly string[] Precisions = ["fp32", "fp16", "int8", "best"];

    private readonly Lazy<nint> _timingStream;

    /// <param name="precision">fp32 (FP32 storage and FMA kernels), fp16 (FP16 storage, tensor cores, FP32 accumulation),
    /// or int8/best (the INT8 rewrite's QConv layers on int8 kernels, the rest as fp16).</param>
    /// <param name="kernelCache">Folder of compiled CUBINs kept between builds; null for <see cref="KernelLibrary.DefaultCacheDirectory"/>, "" for none.</param>
    public CudaBackend(string precision = "fp16", int ordinal = 0, string? kernelCache = null)
    {
        if (!Precisions.Contains(precision))
            throw new EngineUserException($"the cuda backend builds {string.Join(" or ", Precisions)} engines, not '{precision}'");
        Precision = precision;
        Device = CudaDevice.Open(ordinal);
        if (!Device.Nvrtc.SupportedArchitectures().Contains(Device.Info.SmMajor * 10 + Device.Info.SmMinor))
        {
            Device.Dispose();
            throw new Interop.CudaUnavailableException($"NVRTC {Device.Info.NvrtcVersion} cannot compile for {Device.Info.Architecture} ({Device.Info.Name}); " +
                "CUDA 13 dropped architectures below sm_75, so install the NVRTC of CUDA 12 (JetPack 5/6 on a Jetson Xavier)");
        }
        Kernels = new KernelLibrary(Device, kernelCache is null ? KernelLibrary.DefaultCacheDirectory() : kernelCache.Length == 0 ? null : kernelCache);
        var info = Device.Info;
        var features = new List<string>();
        if (info.SmMajor * 10 + info.SmMinor >= 61) features.Add("dp4a");
        if (HasTensorCores(info.SmMajor)) features.AddRange(["mma.f16", "mma.s8"]);
        Fingerprint = new DeviceFingerprint("cuda", info.Name, info.Architecture, features, new Dictionary<string, string>
        {
            ["cuda-driver"] = info.DriverText,
            ["nvrtc"] = info.NvrtcVersion,
            // Kernels, tactics and timings differ by storage type: an fp16 timing must never answer for fp32.
            ["storage"] = precision,
        });
        _timingStream = new Lazy<nint>(Device.CreateStream);
    }

    public string Name => "cuda";
    public string Precision { get; }
    public bool HalfStorage => Precision != "fp32";
    public CudaDevice Device { get; }
    public KernelLibrary Kernels { get; }
    public DeviceFingerprint Fingerprint { get; }
    /// <summary>Host threads only matter for fallback layers.</summary>
    public int MaxThreads => 1;
    public int MaxTacticsTimed => 12;

    public bool Supports(Node node) => OpSchemas.IsSupported(node);

    public bool IsView(Node node) => ElementwiseRules.IsView(node);

    public bool CanRunInPlace(Node node, int input) => ElementwiseRules.CanRunInPlace(node, input);

    /// <summary>The elementwise/direct module specialized for this engine's storage type.</summary>
    public KernelModule Module(string name) => StorageModule(name, HalfStorage);

    /// <summary>A kernel file specialized only by how float tensors are stored.</summary>
    public static KernelModule StorageModule(string name, bool halfStorage) => KernelModule.Of(name, ("STORAGE_HALF", halfStorage ? 1 : 0));

    /// <summary>Bytes per element of a tensor in device memory (float tensors are FP16 in fp16 engines).</summary>
    public int StorageSize(TensorSlot slot) => slot.Type == DataType.Float32 && HalfStorage ? 2 : slot.Type.SizeOf();

    /// <summary>
    /// Whether the GPU runs the mma.sync shapes the tensor-core kernels use (m16n8k16 f16 and
    /// m16n8k32 s8 need sm_80; Xavier's sm_72 and Turing keep the CUDA-core and dp4a kernels).
    /// </summary>
    public static bool HasTensorCores(int smMajor) => smMajor >= 8;

    public bool TensorCores => HasTensorCores(Device.Info.SmMajor);

    public IReadOnlyList<Tactic> Tactics(LayerSpec layer)
    {
        if (GemmView(layer) is { } gemm)
        {
            var tiles = CudaConvTactics.Enumerate(gemm.Shape, HalfStorage && TensorCores, Device.Info.Multiprocessors).Select(c => c.ToTactic());
            // Many rows by constant weights: the row-reading kernel goes first, so the timing limit never drops it.
            return (IsRowsGemm(layer, gemm.Shape) ? tiles.Prepend(Tactic.Default(CudaRowsMatMulLayer.TacticName)) : tiles).ToList();
        }
        if (IsQConv(layer.Node) && CudaQConvNhwcLayer.CanCompile(layer))
            return QConvNhwcTactics.Enumerate(CudaQConvNhwcLayer.Shape(layer), Device.Info.Multiprocessors).Select(c => c.ToTactic()).ToList();
        if (IsQConv(layer.Node) && CudaQConvLayer.CanCompile(layer))
            return CudaQConvLayer.Tactics(CudaQConvLayer.Shape(layer), TensorCores, Device.Info.Multiprocessors);
        return [Tactic.Default("default")];
    }

    public long WorkspaceBytes(LayerSpec layer, Tactic tactic)
    {
        if (tactic.Name == CudaRowsMatMulLayer.TacticName) return 0;
        if (GemmView(layer) is { } gemm) return CudaConvTactics.WorkspaceBytes(gemm.Shape, ConvTileConfig.FromTactic(tactic));
        if (QConvNhwcConfig.IsTactic(tactic)) return QConvNhwcTactics.WorkspaceBytes(CudaQConvNhwcLayer.Shape(layer), QConvNhwcConfig.FromTactic(tactic));
        return 0;
    }

    /// <summary>INT8 convolutions run channels-last on tensor cores (sm_80+) where the channels allow 4-byte copies.</summary>
    public bool WantsNhwc(Node node) => TensorCores && IsQConv(node) && CudaQConvNhwcLayer.Wants(node);

    /// <summary>The units a layer's arithmetic runs on: INT8 convolutions on the INT8 tensor cores, the rest by the engine's storage type.</summary>
    public CudaUnit UnitOf(Node node) => IsQConv(node) ? CudaUnit.Int8TensorCores : HalfStorage ? CudaUnit.Fp16TensorCores : CudaUnit.Fp32;

    public double? PeakOperationsPerSecond(Node node) => CudaPeak.OperationsPerSecond(Device.Info, UnitOf(node));

    public string? DescribePeak(Node node) => Device.Info.ClockKHz > 0 ? CudaPeak.Describe(Device.Info, UnitOf(node)) : null;

    private static bool IsQConv(Node node) => node.Domain == FusedOps.Domain && node.OpType == QuantizedOps.QConv;

    /// <summary>
    /// A layer the implicit-GEMM kernels run: a (grouped, not depthwise) FusedConv with constant
    /// float weights, or a Gemm/MatMul by a constant 2-D matrix as a 1x1 convolution.
    /// </summary>
    internal (Conv2dShape Shape, Func<float[]> Weights, Func<float[]> Bias, TensorSlot? Residual)? GemmView(LayerSpec layer)
    {
        var node = layer.Node;
        if (node.Domain == FusedOps.Domain && node.OpType == FusedOps.FusedConv)
        {
            if (ConvShape(layer) is not { } shape || shape.IsDepthwise || Residual(layer) is false) return null;
            var w = layer.Input(1).Constant!;
            return (shape, () => w.Floats, () => Bias(layer, shape.M, 1f), ResidualSlot(layer));
        }
        bool gemm = node.OpType is "Gemm" or FusedOps.FusedGemm, matmul = node.OpType is "MatMul" or FusedOps.FusedMatMul;
        if (!(gemm || matmul) || node.Domain is not ("" or FusedOps.Domain)) return null;
        if (layer.Input(1).Constant is not { Type: DataType.Float32, Rank: 2 } weights || layer.Input(0).Type != DataType.Float32 || layer.Input(0).IsConstant) return null;
        bool transB = gemm && node.GetInt("transB", 0) != 0;
        if (gemm && (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1f) != 1f)) return null;
        int k = transB ? weights.Shape[1] : weights.Shape[0], n = transB ? weights.Shape[0] : weights.Shape[1];
        if (layer.Input(0).Shape[^1] != k) return null;
        if (layer.OptionalInput(2) is { } b && (b.Constant is not { Type: DataType.Float32 } c || !(c.Length == n || c.Length == 1))) return null;
        int rows = checked((int)(layer.Input(0).ElementCount / k));
        var view = new Conv2dShape(rows, k, 1, 1, n, 1, 1);
        float beta = gemm ? node.GetFloat("beta", 1f) : 1f;
        return (view, () => GemmWeights(weights.Floats, k, n, transB), () => Bias(layer, n, beta), null);
    }

    /// <summary>A Gemm/MatMul (not a convolution) by constant weights over more than one row.</summary>
    private static bool IsRowsGemm(LayerSpec layer, Conv2dShape view) => layer.Node.OpType != FusedOps.FusedConv && view.Batch > 1;

    /// <summary>[rows x cols] row-major to [cols x rows].</summary>
    private static float[] Transposed(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[(long)c * rows + r] = a[(long)r * cols + c];
        return t;
    }

    /// <summary>Rows of K weights per output feature, as the GEMM's A wants them.</summary>
    private static float[] GemmWeights(float[] w, int k, int n, bool transB)
    {
        if (transB) return w;
        var rows = new float[w.Length];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++) rows[(long)j * k + i] = w[(long)i * n + j];
        return rows;
    }

    private static float[] Bias(LayerSpec layer, int count, float beta)
    {
        var bias = new float[count];
        if (layer.OptionalInput(2) is { Constant: { } c })
            for (int i = 0; i < count; i++) bias[i] = beta * c.Floats[c.Length == 1 ? 0 : i];
        return bias;
    }

    private static Conv2dShape? ConvShape(LayerSpec layer)
    {
        var node = layer.Node;
        var x = layer.Input(0);
        if (node.GetInt("transposed", 0) != 0 || x.IsConstant) return null;
        if (layer.Input(1).Constant is not { Type: DataType.Float32 } w || x.Type != DataType.Float32 || x.Shape.Length is not (3 or 4)) return null;
        if (layer.OptionalInput(2) is { Constant: null }) return null;
        var window = WindowAttributes.Parse(node, x.Shape.Length - 2, w.Shape[2..]);
        return Conv2dShape.From(x.Shape, w.Shape, window, (int)node.GetInt("group", 1));
    }

    /// <summary>True with a same-shape residual, null without one, false with one the kernels cannot read (broadcast or constant).</summary>
    private static bool? Residual(LayerSpec layer) =>
        layer.OptionalInput(3) is not { } r ? null : !r.IsConstant && r.Shape.AsSpan().SequenceEqual(layer.Output(0).Shape);

    private static TensorSlot? ResidualSlot(LayerSpec layer) => Residual(layer) == true ? layer.OptionalInput(3) : null;

    public ICompiledLayer Compile(LayerSpec layer, Tactic tactic)
    {
        Device.Bind();
        var node = layer.Node;
        bool floats = layer.Outputs.All(o => o.Type == DataType.Float32) && layer.Inputs.All(i => i is null || i.Type == DataType.Float32);
        if (IsView(node)) return new CudaViewLayer(this);
        if (IsQConv(node) && CudaQConvNhwcLayer.CanCompile(layer)) return new CudaQConvNhwcLayer(this, layer, tactic);
        if (IsQConv(node) && CudaQConvLayer.CanCompile(layer)) return new CudaQConvLayer(this, layer, tactic);
        if (node.Domain == "" && node.OpType == "QuantizeLinear" && CudaQuantizeLayer.CanCompile(layer)) return new CudaQuantizeLayer(this, layer);
        if (tactic.Name == CudaRowsMatMulLayer.TacticName && GemmView(layer) is { } rows && IsRowsGemm(layer, rows.Shape))
            return new CudaRowsMatMulLayer(this, layer, rows.Shape.C, rows.Shape.M, Transposed(rows.Weights(), rows.Shape.M, rows.Shape.C), rows.Bias());
        if (GemmView(layer) is { } gemm)
            return new CudaConvLayer(this, layer, gemm.Shape, gemm.Weights(), gemm.Bias(), tactic, gemm.Residual);
        if (node.Domain == FusedOps.Domain && node.OpType == FusedOps.FusedConv && Residual(layer) is not false && !layer.Input(0).IsConstant
            && layer.Input(1).Constant is { Type: DataType.Float32 } w && layer.Input(0).Type == DataType.Float32 && layer.Input(0).Shape.Length == 4
            && layer.OptionalInput(2) is not { Constant: null })
        {
            var window = WindowAttributes.Parse(node, 2, w.Shape[2..]);
            int group = (int)node.GetInt("group", 1);
            var x = layer.Input(0).Shape;
            if (node.GetInt("transposed", 0) != 0)
            {
                var t = ConvTranspose2dShape.From(x, w.Shape, window, group, node.GetInts("output_padding"), node.GetInts("output_shape"));
                return CudaDirectConvLayer.Transposed(this, layer, t, w.Floats, Bias(layer, t.M, 1f), ResidualSlot(layer));
            }
            var s = Conv2dShape.From(x, w.Shape, window, group);
            if (s.IsDepthwise) return CudaDirectConvLayer.Depthwise(this, layer, s, w.Floats, Bias(layer, s.M, 1f), ResidualSlot(layer));
        }
        if (floats && Activation.FromActivationNode(node) is { } activation && node.Domain is "" or FusedOps.Domain && !layer.Input(0).IsConstant
            && (node.OpType != "Clip" || activation.Kind is ActivationKind.Clip or ActivationKind.Relu))
            return new CudaActivationLayer(this, layer, activation);
        if (floats && node.Domain == "" && CudaBinaryLayer.Ops.Contains(node.OpType) && CudaBinaryLayer.CanCompile(layer)) return new CudaBinaryLayer(this, layer);
        if (node.Domain == "" && node.OpType == "Concat" && layer.Outputs.Count == 1) return new CudaSliceCopyLayer(this, layer, split: false);
        if (node.Domain == "" && node.OpType == "Split" && !layer.Input(0).IsConstant) return new CudaSliceCopyLayer(this, layer, split: true);
        if (node.Domain == "" && node.OpType == "Transpose" && CudaTransposeLayer.CanCompile(this, layer)) return new CudaTransposeLayer(this, layer);
        if (node.Domain == "" && node.OpType == "Gather" && CudaGatherLayer.CanCompile(layer)) return new CudaGatherLayer(this, layer);
        if (BatchedMatMulShape.Of(layer) is { Batches: <= 65535 }) return new CudaMatMulLayer(this, layer);
        if (floats && node.Domain == "" && node.OpType is "GlobalAveragePool" or "GlobalMaxPool" && CudaGlobalPoolLayer.CanCompile(layer)) return new CudaGlobalPoolLayer(this, layer);
        if (floats && node.Domain == "" && node.OpType is "MaxPool" or "AveragePool" && CudaPoolLayer.CanCompile(layer)) return new CudaPoolLayer(this, layer);
        if (floats && node.Domain == "" && node.OpType == "Resize" && CudaResizeNearestLayer.CanCompile(layer)) return new CudaResizeNearestLayer(this, layer);
        if (floats && node.Domain == "" && node.OpType == "Softmax" && CudaRowLayer.Softmax(this, layer) is { } softmax) return softmax;
        if (floats && node.Domain == "" && node.OpType == "LayerNormalization" && CudaRowLayer.LayerNorm(this, layer) is { } norm) return norm;
        return new CudaFallbackLayer(this, layer);
    }

    /// <summary>Compiles every kernel module the layers need, in parallel, before the first run.</summary>
    public void Prepare(IEnumerable<ICompiledLayer> layers) =>
        Kernels.Prepare(layers.OfType<CudaLayer>().SelectMany(l => l.Modules).Append(Module("elementwise")));

    public IReadOnlyDictionary<string, byte[]> ExportKernels(InferenceEngine engine)
    {
        var modules = engine.Layers.OfType<CudaLayer>().SelectMany(l => l.Modules).Append(Module("elementwise")).Distinct().ToList();
        Kernels.Prepare(modules);
        return modules.ToDictionary(Kernels.KeyOf, Kernels.Cubin, StringComparer.Ordinal);
    }

    public void ImportKernels(IReadOnlyDictionary<string, byte[]> binaries) => Kernels.Import(binaries);

    public IDeviceExecution CreateExecution(InferenceEngine engine)
    {
        Prepare(engine.Layers);
        return new CudaExecution(this, engine);
    }

    /// <summary>A constant in device memory, in the storage type (FP16 for float tensors of fp16 engines).</summary>
    internal DeviceBuffer UploadStorage(Tensor tensor)
    {
        if (tensor.Type == DataType.Float32 && HalfStorage)
        {
            var halves = new ushort[tensor.Length];
            var floats = tensor.Floats;
            for (int i = 0; i < halves.Length; i++) halves[i] = BitConverter.HalfToUInt16Bits((Half)floats[i]);
            return Device.Upload<ushort>(halves);
        }
        return Device.Upload<byte>(TensorBytes.AsBytes(tensor));
    }

    /// <summary>A host copy of a device tensor (synchronous), converted back to float32 from FP16 storage.</summary>
    internal Tensor Download(ulong address, TensorSlot slot)
    {
        var tensor = Tensor.Zeros(slot.Type, slot.Shape);
        var bytes = TensorBytes.AsBytes(tensor);
        if (StorageSize(slot) == slot.Type.SizeOf())
        {
            fixed (byte* p = bytes) Device.Check(Device.Driver.MemcpyDtoH(p, address, (nuint)bytes.Length), "cuMemcpyDtoH");
            return tensor;
        }
        var halves = new ushort[slot.ElementCount];
        fixed (ushort* p = halves) Device.Check(Device.Driver.MemcpyDtoH(p, address, (nuint)(halves.Length * 2)), "cuMemcpyDtoH");
        var floats = tensor.Floats;
        for (int i = 0; i < halves.Length; i++) floats[i] = (float)BitConverter.UInt16BitsToHalf(halves[i]);
        return tensor;
    }

    /// <summary>Writes a host tensor into device memory at <paramref name="address"/> (synchronous), in the storage type.</summary>
    internal void UploadInto(ulong address, TensorSlot slot, Tensor tensor)
    {
        if (StorageSize(slot) == slot.Type.SizeOf())
        {
            var bytes = TensorBytes.AsBytes(tensor);
            fixed (byte* p = bytes) Device.Check(Device.Driver.MemcpyHtoD(address, p, (nuint)bytes.Length), "cuMemcpyHtoD");
            return;
        }
        var floats = tensor.Floats;
        var halves = new ushort[floats.Length];
        for (int i = 0; i < halves.Length; i++) halves[i] = BitConverter.HalfToUInt16Bits((Half)floats[i]);
        fixed (ushort* p = halves) Device.Check(Device.Driver.MemcpyHtoD(address, p, (nuint)(halves.Length * 2)), "cuMemcpyHtoD");
    }

    public double TimeLayer(LayerSpec placed, long arenaBytes, Tactic tactic, int runs)
    {
        Device.Bind();
        using var arena = Device.Allocate(Math.Max(arenaBytes, 256));
        var random = new Random(7);
        foreach (var slot in placed.Inputs)
        {
            if (slot is not { IsConstant: false }) continue;
            var tensor = Tensor.Zeros(slot.Type, slot.Shape);
            if (slot.Type == DataType.Float32)
            {
                var data = tensor.Floats;
                for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
            }
            UploadInto(arena.Pointer + (ulong)slot.Offset, slot, tensor);
        }
        var layer = Compile(placed, tactic);
        Prepare([layer]);
        nint stream = _timingStream.Value;
        var state = new ExecutionState((byte*)arena.Pointer, null!, stream);
        layer.Execute(in state);
        Device.Synchronize(stream);
        nint start = Device.CreateEvent(), end = Device.CreateEvent();
        try
        {
            const int perSample = 5;
            var samples = new double[Math.Max(1, runs)];
            for (int s = 0; s < samples.Length; s++)
            {
                Device.Check(Device.Driver.EventRecord(start, stream), "cuEventRecord");
                for (int r = 0; r < perSample; r++) layer.Execute(in state);
                Device.Check(Device.Driver.EventRecord(end, stream), "cuEventRecord");
                samples[s] = Device.ElapsedMs(start, end) / 1000.0 / perSample;
            }
            Array.Sort(samples);
            return samples[samples.Length / 2];
        }
        finally
        {
            Device.DestroyEvent(start);
            Device.DestroyEvent(end);
        }
    }

    public void Dispose()
    {
        if (_timingStream.IsValueCreated) Device.DestroyStream(_timingStream.Value);
        Device.Dispose();
    }
}
