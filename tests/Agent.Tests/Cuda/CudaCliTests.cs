using System.Globalization;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Engine.Tensors;
using EdgeAgent.Engine.Tests.Cuda;

namespace EdgeAgent.Agent.Tests.Cuda;

/// <summary>
/// The command line on the GPU: an INT8 engine built for the cuda backend runs its convolutions
/// channels-last (inspect lists the layouts and transforms), stays close to the FP32 reference
/// (compare), and its profile puts each layer against the GPU's INT8 tensor-core peak.
/// </summary>
public sealed class CudaCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeagent-cuda-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static CliResult Ok(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, $"edgeagent {string.Join(' ', args)}: {r.Error}");
        return r;
    }

    [GpuFact]
    public void Int8EngineRunsChannelsLastMatchesTheReferenceAndProfilesAgainstPeak()
    {
        int seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        Ok("engine", "zoo", "--out", _dir);
        Directory.CreateDirectory(P("calib"));
        for (int i = 0; i < 3; i++)
        {
            var data = new float[3 * 224 * 224];
            for (int k = 0; k < data.Length; k++) data[k] = (float)(random.NextDouble() * 2 - 1);
            NpyFile.Write(P($"calib/{i}.npy"), Tensor.FromFloats(data, 1, 3, 224, 224));
        }
        Ok("engine", "build", "-m", P("resnet18.onnx"), "-o", P("r18.engine"), "--backend", "cuda", "--precision", "int8",
            "--shape", "input:1x3x224x224", "--calib", P("calib"), "--calib-method", "percentile", "--no-autotune");

        var inspect = Ok("engine", "inspect", "--engine", P("r18.engine")).Output;
        output.WriteLine(inspect);
        var lines = inspect.Split('\n');
        // ResNet-18's 20 convolutions but the 3-channel stem read NHWC. The max pool's output enters the
        // chain twice, quantized as the first block's input and in float as its residual: two
        // transforms in, one out.
        Assert.Equal(19, lines.Count(l => l.Contains(" QConv") && l.Contains(" int8 ") && l.Contains(" NHWC ")));
        Assert.Contains("(19 channels-last, 3 layout transforms)", inspect);
        Assert.Equal(2, lines.Count(l => l.Contains("NCHW->NHWC")));
        Assert.Single(lines, l => l.Contains("NHWC->NCHW"));
        Assert.Contains("matches this machine", inspect);

        var compare = Ok("engine", "compare", "--engine", P("r18.engine"), "--model", P("resnet18.onnx"), "-i", P("calib/0.npy")).Output;
        var row = compare.Split('\n').Last(l => l.StartsWith("output "));
        double cosine = double.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
        output.WriteLine(row);
        Assert.True(cosine > 0.99, row);

        var profile = Ok("engine", "bench", "--engine", P("r18.engine"), "--iterations", "20", "--warmup", "3", "--profile").Output;
        output.WriteLine(profile);
        Assert.Matches(@"T/s\s+[0-9.]+%\s+\S*QConv", profile);
        Assert.Matches(@"convolutions and matrix products: 3\.6\d G operations in [0-9.]+ ms, [0-9.]+ T/s \([0-9.]+% of peak\)", profile);
        Assert.Matches(@"peak \d+ T/s dense: INT8 tensor cores, \d+ SMs at \d+ MHz", profile);
    }
}
