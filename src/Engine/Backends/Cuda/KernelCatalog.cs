using EdgeAgent.Engine.Backends.Cuda.Layers;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// Every kernel module an engine of one precision could compile on one GPU architecture: each
/// tactic's specialization the backend can offer there, whatever the model. What an engine
/// built for that architecture compiles is a subset; compiling the whole catalog with NVRTC for
/// an architecture checks, on any machine with NVRTC, that every tactic builds for it (the
/// Jetson targets sm_87 and sm_72 are checked this way on a data-centre GPU).
/// </summary>
public static class KernelCatalog
{
    public static IReadOnlyList<KernelModule> For(int smMajor, string precision)
    {
        if (!CudaBackend.Precisions.Contains(precision))
            throw new ArgumentException($"no precision '{precision}' (one of {string.Join(", ", CudaBackend.Precisions)})", nameof(precision));
        bool half = precision != "fp32", int8 = precision is "int8" or "best", tensorCores = CudaBackend.HasTensorCores(smMajor);
        var modules = new List<KernelModule>
        {
            CudaBackend.StorageModule("elementwise", half),
            CudaBackend.StorageModule("matmul", half),
            CudaBackend.StorageModule("conv_direct", half),
            CudaConvLayer.ModuleOf(CudaConvTactics.SimtTile, pointwise: false, half),
        };
        if (half && tensorCores)
            foreach (var tile in CudaConvTactics.TensorCoreTiles)
                foreach (bool pointwise in new[] { false, true })
                    modules.Add(CudaConvLayer.ModuleOf(tile, pointwise, halfStorage: true));
        if (int8)
        {
            modules.Add(CudaQConvLayer.ModuleOf(null, half));
            if (tensorCores)
            {
                modules.AddRange(CudaConvTactics.TensorCoreTiles.Select(tile => CudaQConvLayer.ModuleOf(tile, half)));
                modules.AddRange(QConvNhwcTactics.AllKernels().Select(config => CudaQConvNhwcLayer.ModuleOf(config, half)));
            }
        }
        return modules.Distinct().ToList();
    }
}
