using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAgent.Agent.Tests.Cli;
using EdgeAgent.Agent.Tests.Ocr;

namespace EdgeAgent.Agent.Tests.EndToEnd;

/// <summary>
/// The service reading text: the served DB detector finds boxes in camera frames (rendered
/// scenes from a folder source) and a recognizer configured beside it reads each box; every
/// result carries the text of its regions, and a bad reader setting stops the start in one line.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TextReadingTests
{
    [Fact]
    public async Task ResultsCarryTheTextReadInEveryBox()
    {
        var (scene, truth) = RenderedScenes.Take("det", 1)[0];
        string frames = Directory.CreateTempSubdirectory("edgeagent-text-frames-").FullName;
        try
        {
            File.Copy(scene, Path.Combine(frames, Path.GetFileName(scene)));
            string jsonl = "";
            await using var device = await DeviceUnderTest.CreateAsync(c =>
            {
                jsonl = Path.Combine(c["StateDirectory"]!.GetValue<string>(), "..", "results.jsonl");
                c["Camera"] = new JsonObject { ["Source"] = $"folder:{frames}#fps=2", ["RingCapacity"] = 4, ["Name"] = "line-1" };
                c["Model"] = new JsonObject
                {
                    ["Id"] = Artifacts.ModelId, ["Version"] = "1", ["Onnx"] = CliRunner.Model("ch_PP-OCRv4_det_infer.onnx"), ["Postprocess"] = "text",
                    ["Recognizer"] = CliRunner.Model("ch_PP-OCRv4_rec_infer.onnx"), ["Classifier"] = CliRunner.Model("ch_ppocr_mobile_v2.0_cls_infer.onnx"),
                    ["Preprocess"] = new JsonObject
                    {
                        ["Width"] = 640, ["Height"] = 640, ["Resize"] = "Stretch", ["Channels"] = "Bgr",
                        ["Mean"] = new JsonArray(0.485, 0.456, 0.406), ["Std"] = new JsonArray(0.229, 0.224, 0.225),
                    },
                };
                c["Pipeline"] = new JsonObject { ["ResultsJsonl"] = jsonl };
            });
            await device.StartAgentAsync();

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            string[] texts = [];
            while (DateTime.UtcNow < deadline && texts.Length == 0)
            {
                await Task.Delay(500);
                if (!File.Exists(jsonl)) continue;
                using var reader = new StreamReader(new FileStream(jsonl, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                string? line = await reader.ReadLineAsync();
                if (line is null) continue;
                using var json = JsonDocument.Parse(line);
                texts = [.. json.RootElement.GetProperty("text").GetProperty("items").EnumerateArray().Select(r => r.GetProperty("text").GetString() ?? "")];
            }
            Assert.True(texts.Length > 0, $"no result with text regions in {jsonl}\n{device.AgentOutput()}");
            Assert.Equal(truth.Length, texts.Length);
            // Regions come in reading order; the dates and single words are read exactly.
            foreach (var expected in truth.Where(t => !t.Contains(' '))) Assert.Contains(expected, texts);
            Assert.True(RenderedScenes.Cer([(texts, truth)], ignoreSpaces: true) <= 0.05, string.Join(" | ", texts));
        }
        finally
        {
            Directory.Delete(frames, recursive: true);
        }
    }
}
