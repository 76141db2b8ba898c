using System.CommandLine;
using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Interop;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Cli;

/// <summary><c>edgeagent devices</c>: what this machine offers the engine (CPU features, GPUs), and with --check a GPU self-test.</summary>
public static class DevicesCommand
{
    public static Command Build(TextWriter output)
    {
        var check = new Option<bool>("--check") { Description = "Compile and run a small kernel on the GPU with NVRTC" };
        var command = new Command("devices", "Show the CPU and GPUs engines can be built for") { check };
        command.SetAction(parse =>
        {
            output.WriteLine($"cpu: {DeviceFingerprint.ForCpu()}, {Environment.ProcessorCount} cores");
            IReadOnlyList<CudaDeviceInfo> gpus;
            try { gpus = CudaDeviceInfo.Query(); }
            catch (CudaUnavailableException e)
            {
                output.WriteLine($"gpu: none ({e.Message})");
                return 0;
            }
            foreach (var gpu in gpus) output.WriteLine($"gpu: {gpu}");
            if (parse.GetValue(check)) output.WriteLine($"gpu check: {CudaSelfTest.Run()}");
            return 0;
        });
        return command;
    }
}
