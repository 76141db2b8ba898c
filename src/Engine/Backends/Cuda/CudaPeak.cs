using System.Globalization;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>The arithmetic units a layer's peak is taken from.</summary>
public enum CudaUnit { Fp32, Fp16TensorCores, Int8TensorCores }

/// <summary>
/// Dense peak arithmetic of an NVIDIA GPU from its architecture, SM count and clock: operations
/// (two per multiply-add) per clock per SM for FP32 on the CUDA cores and FP16/INT8 on the
/// tensor cores, as the architecture whitepapers give them (e.g. sm_80: 2,048 FP16 and 4,096
/// INT8 per clock per SM, so an A100's 108 SMs at 1.41 GHz make 312 TFLOP/s and 624 TOPS; sm_87
/// Orin has the A100's per-SM rates, sm_86/sm_89 half of them). Where a GPU has no INT8 tensor
/// cores (sm_70, sm_6x) the INT8 peak is dp4a's on the CUDA cores. The clock is the driver's
/// maximum (boost) clock, so the peak is the most the GPU can reach, not what it runs at now.
/// </summary>
public static class CudaPeak
{
    public static int OperationsPerClockPerSm(int smMajor, int smMinor, CudaUnit unit)
    {
        int sm = smMajor * 10 + smMinor;
        int fp32 = sm switch { 60 => 128, < 70 => 256, < 80 => 128, 80 => 128, _ => 256 };
        return unit switch
        {
            CudaUnit.Fp32 => fp32,
            CudaUnit.Fp16TensorCores => sm switch { < 70 => fp32, < 80 => 1024, 80 or 87 => 2048, < 90 => 1024, _ => 4096 },
            // dp4a: four multiply-adds per lane per clock, on the FP32 lanes.
            CudaUnit.Int8TensorCores => sm switch { < 61 => fp32, < 72 => fp32 * 4, < 80 => 2048, 80 or 87 => 4096, < 90 => 2048, _ => 8192 },
            _ => throw new ArgumentOutOfRangeException(nameof(unit)),
        };
    }

    /// <summary>Null when the driver did not report a clock.</summary>
    public static double? OperationsPerSecond(CudaDeviceInfo info, CudaUnit unit) => info.ClockKHz <= 0 ? null
        : (double)OperationsPerClockPerSm(info.SmMajor, info.SmMinor, unit) * info.Multiprocessors * info.ClockKHz * 1e3;

    public static string Describe(CudaDeviceInfo info, CudaUnit unit) => string.Create(CultureInfo.InvariantCulture,
        $"{unit switch { CudaUnit.Fp32 => "FP32 CUDA cores", CudaUnit.Fp16TensorCores => "FP16 tensor cores", _ => info.SmMajor * 10 + info.SmMinor >= 72 ? "INT8 tensor cores" : "INT8 dp4a" }}, " +
        $"{info.Multiprocessors} SMs at {info.ClockKHz / 1000} MHz");
}
