using System.Security.Cryptography;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format.Proto;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Runtime;
using Google.Protobuf;

namespace EdgeAgent.Engine.Format;

/// <summary>Writes an <see cref="EnginePlan"/> as an engine file and reads one back, checking everything on the way in.</summary>
public static class EngineSerializer
{
    public static byte[] Write(EnginePlan plan, ECDsa? signingKey = null)
    {
        var payload = new EnginePayload
        {
            BuilderVersion = plan.BuilderVersion,
            Model = new ModelInfo { Sha256 = plan.Model.Sha256, Name = plan.Model.Name, Version = plan.Model.Version, Producer = plan.Model.Producer },
            Fingerprint = new Fingerprint
            {
                Backend = plan.Fingerprint.Backend,
                Device = plan.Fingerprint.Device,
                Architecture = plan.Fingerprint.Architecture,
            },
            Graph = ModelProto.Parser.ParseFrom(plan.GraphBytes.Span),
            Precision = plan.Precision,
            CreatedUnixSeconds = plan.CreatedUnixSeconds,
            PreprocessJson = plan.PreprocessJson,
            CalibrationTable = plan.CalibrationTable,
            KernelBinaries = { plan.KernelBinaries.ToDictionary(k => k.Key, k => ByteString.CopyFrom(k.Value)) },
        };
        payload.Model.Metadata.Add(plan.Model.Metadata.ToDictionary(m => m.Key, m => m.Value));
        payload.Fingerprint.Features.AddRange(plan.Fingerprint.Features);
        payload.Fingerprint.Versions.Add(plan.Fingerprint.Versions.ToDictionary(v => v.Key, v => v.Value));
        foreach (var (node, tactic) in plan.Tactics.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var record = new LayerRecord { Node = node, Tactic = tactic.Name, Precision = plan.Precision };
            record.TacticParameters.Add(tactic.Parameters.ToDictionary(p => p.Key, p => p.Value));
            payload.Layers.Add(record);
        }
        foreach (var profile in plan.Profiles)
        {
            var p = new Proto.OptimizationProfile();
            foreach (var r in profile.Inputs)
            {
                var range = new InputRange { Name = r.Input };
                range.Min.AddRange(r.Min.Select(d => (long)d));
                range.Opt.AddRange(r.Opt.Select(d => (long)d));
                range.Max.AddRange(r.Max.Select(d => (long)d));
                p.Inputs.Add(range);
            }
            payload.Profiles.Add(p);
        }
        if (plan.BuildPlan is { } memory)
        {
            payload.MemoryPlan = new MemoryPlanRecord { ArenaBytes = memory.ArenaBytes, ActivationBytes = memory.ActivationBytes };
            foreach (var (value, offset) in memory.Offsets) payload.MemoryPlan.Offsets[value.Name] = offset;
        }
        return EngineContainer.Write(payload.ToByteArray(), signingKey);
    }

    public static EnginePlan Read(string path, ECDsa? verifyingKey = null)
    {
        if (!File.Exists(path)) throw new EngineFormatException(EngineLoadError.NotAnEngine, $"engine file '{path}' not found");
        return Read(File.ReadAllBytes(path), path, verifyingKey);
    }

    public static EnginePlan Read(byte[] file, string name, ECDsa? verifyingKey = null)
    {
        var (payloadBytes, digest, signed) = EngineContainer.Read(file, verifyingKey, name);
        EnginePayload payload;
        try { payload = EnginePayload.Parser.ParseFrom(payloadBytes.Span); }
        catch (InvalidProtocolBufferException e)
        {
            throw new EngineFormatException(EngineLoadError.Corrupt, $"engine '{name}' has a valid checksum but an unreadable payload ({e.Message.TrimEnd('.')})");
        }
        if (payload.Graph is null || payload.Fingerprint is null || payload.Model is null)
            throw new EngineFormatException(EngineLoadError.Corrupt, $"engine '{name}' lacks its graph, fingerprint or model information");
        var fingerprint = new DeviceFingerprint(payload.Fingerprint.Backend, payload.Fingerprint.Device, payload.Fingerprint.Architecture,
            payload.Fingerprint.Features.ToList(), payload.Fingerprint.Versions.ToDictionary(v => v.Key, v => v.Value));
        var tactics = payload.Layers.ToDictionary(l => l.Node,
            l => new Tactic(l.Tactic, l.TacticParameters.ToDictionary(p => p.Key, p => p.Value)));
        var profiles = payload.Profiles.Select(p => new Build.OptimizationProfile(p.Inputs.Select(r => new ShapeRange(r.Name,
            r.Min.Select(d => (int)d).ToArray(), r.Opt.Select(d => (int)d).ToArray(), r.Max.Select(d => (int)d).ToArray())).ToList())).ToList();
        var model = new ModelIdentity(payload.Model.Sha256, payload.Model.Name, payload.Model.Version, payload.Model.Producer,
            payload.Model.Metadata.ToDictionary(m => m.Key, m => m.Value));
        return new EnginePlan(payload.Graph.ToByteArray(), tactics, fingerprint, profiles, model, payload.Precision, payload.BuilderVersion)
        {
            CreatedUnixSeconds = payload.CreatedUnixSeconds,
            PreprocessJson = payload.PreprocessJson,
            CalibrationTable = payload.CalibrationTable,
            FileSha256 = Convert.ToHexString(digest).ToLowerInvariant(),
            Signed = signed,
            RecordedArenaBytes = payload.MemoryPlan?.ArenaBytes ?? 0,
            KernelBinaries = payload.KernelBinaries.ToDictionary(k => k.Key, k => k.Value.ToByteArray()),
        };
    }
}
