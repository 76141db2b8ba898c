using System.CommandLine;
using EdgeAgent.Agent.Fleet;
using EdgeAgent.Telemetry.Wire;
using Command = System.CommandLine.Command;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// <c>edgeagent fleet deploy</c>: sign an ONNX model or engine, send it to one device (in chunks
/// over MQTT, or as a URL the device downloads) and follow the device to committed or failure.
/// Exit 0 when committed; 2 with the reason otherwise.
/// </summary>
public static class FleetDeployCommand
{
    public const string SignKeyVariable = "EDGEAGENT_SIGN_KEY";

    public static Command Build(TextWriter output)
    {
        var device = new Option<string>("--device", "-d") { Description = "Device id", Required = true };
        var model = new Option<string?>("--model", "-m") { Description = "ONNX model to deploy; the device builds its own engine" };
        var engine = new Option<string?>("--engine", "-e") { Description = "Engine built for that device's hardware (engine build)" };
        var version = new Option<string>("--version") { Description = "Version name of this deploy, e.g. 4 or 2026-11-22", Required = true };
        var modelId = new Option<string?>("--model-id") { Description = "Model id on the device (default: the file name without extension)" };
        var signKey = new Option<string?>("--sign-key") { Description = $"Fleet private key (engine keygen) that signs the artifact (default: ${SignKeyVariable})" };
        var keyId = new Option<string?>("--key-id") { Description = "Name of the signing key as devices know it (default: the key file name)" };
        var chunkSize = new Option<int>("--chunk-size") { Description = "Bytes per chunk, at most 1048576", DefaultValueFactory = _ => Artifact.DefaultChunkSize };
        var url = new Option<string?>("--url") { Description = "Let the device download the artifact from this https://, http:// or file:// URL instead of sending chunks" };
        var precision = new Option<string?>("--precision") { Description = "For --model: fp32, fp16 or int8 (default: the device's setting)" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for committed (transfer, build, validation, probation)", DefaultValueFactory = _ => 600 };
        var commandId = new Option<string?>("--command-id") { Description = "Reuse a deploy's command id to resume it (default: a new one)" };

        var command = new Command("deploy", "Deploy a model or engine to a device and follow it to committed")
        {
            device, model, engine, version, modelId, signKey, keyId, chunkSize, url, precision, timeout, commandId,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var connection = FleetCommands.Connection(parse, output);
            string deviceId = parse.GetValue(device)!;
            if (TopicTree.ValidateDeviceId(deviceId) is { } badDevice) throw new FleetException(badDevice);
            string? modelPath = parse.GetValue(model), enginePath = parse.GetValue(engine);
            if ((modelPath is null) == (enginePath is null)) throw new FleetException("give exactly one of --model M.onnx or --engine E");
            var kind = modelPath is null ? ArtifactKind.Engine : ArtifactKind.Onnx;
            string path = modelPath ?? enginePath!;
            string versionName = parse.GetValue(version)!.Trim();
            if (versionName.Length == 0) throw new FleetException("--version is empty");
            var precisionValue = ParsePrecision(parse.GetValue(precision), kind);
            string? urlValue = parse.GetValue(url);
            if (urlValue is not null && (!Uri.TryCreate(urlValue, UriKind.Absolute, out var parsedUrl) || parsedUrl.Scheme is not ("https" or "http" or "file")))
                throw new FleetException($"--url '{urlValue}' is not an https://, http:// or file:// URL");
            string id = parse.GetValue(commandId) ?? Guid.NewGuid().ToString();
            // Chunk command ids append "-c{index}-{attempt}" and must stay within the contract's 128 characters.
            if (id.Length is 0 or > 96 || id.Any(char.IsWhiteSpace)) throw new FleetException("--command-id must be 1-96 characters without spaces");
            string keyPath = parse.GetValue(signKey) ?? Environment.GetEnvironmentVariable(SignKeyVariable)
                ?? throw new FleetException($"--sign-key is required: devices install only signed artifacts (make a key with 'edgeagent engine keygen --out fleet.pem', or set {SignKeyVariable})");
            var timings = new DeployTimings { Timeout = FleetCommands.Seconds(parse, timeout) };

            using var artifact = Artifact.Open(path, kind, parse.GetValue(chunkSize));
            var (signature, signatureKeyId) = ArtifactSigner.Sign(artifact.Sha256, keyPath, parse.GetValue(keyId));
            var plan = new DeployPlan
            {
                DeviceId = deviceId,
                CommandId = id,
                ModelId = parse.GetValue(modelId) ?? Path.GetFileNameWithoutExtension(path),
                Version = versionName,
                Artifact = artifact,
                Signature = signature,
                SignatureKeyId = signatureKeyId,
                Url = urlValue,
                Precision = precisionValue,
                ExpiresAfter = timings.Timeout + TimeSpan.FromMinutes(10),
            };

            await using var link = await FleetLink.ConnectAsync(connection, cancellationToken);
            var session = (IDeployObserver observer) => new DeploySession(link, plan, observer, timings, TimeProvider.System).RunAsync(cancellationToken);
            bool live = FleetCommands.IsTerminal(output);
            var outcome = live
                ? await new DeployProgressBar(FleetCommands.CreateConsole(output, live: true)).RunAsync(session)
                : await session(new DeployProgressLines(output, parse.GetValue(CommandLine.Verbose)));
            if (!outcome.Committed) throw new FleetException(outcome.Message);
            output.WriteLine(outcome.Message);
            return 0;
        });
        return command;
    }

    private static Precision ParsePrecision(string? text, ArtifactKind kind)
    {
        if (text is null) return Precision.Unspecified;
        if (kind == ArtifactKind.Engine) throw new FleetException("--precision applies to --model only: an engine's precision was fixed when it was built");
        return text.Trim().ToLowerInvariant() switch
        {
            "fp32" => Precision.Fp32,
            "fp16" => Precision.Fp16,
            "int8" => Precision.Int8,
            _ => throw new FleetException($"--precision '{text}' is not fp32, fp16 or int8"),
        };
    }
}
