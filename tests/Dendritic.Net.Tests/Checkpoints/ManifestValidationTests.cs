using System.Collections.Generic;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Every message of the manifest's field checks and of its enum reading, each raised by a manifest that differs from a
/// saved one (with optimizer state and an extra) in that field only, hashes recomputed: the error is
/// <see cref="CheckpointCorruptedException"/> naming the field, and the value where one is quoted.
/// </summary>
[TestFixture]
public sealed class ManifestValidationTests : ForgedCheckpointFixture
{
    public static IEnumerable<TestCaseData> ValuesNoWriterWrites()
    {
        yield return Case("dendrite.initScale", -1.0, "'dendrite.initScale' is invalid (*");
        yield return Case("layers", new JsonArray(), "'layers' is empty; a checkpoint records at least one wrapped layer");
        yield return Case("layers[0]", null, "'layers[0]' is null");
        yield return Case("layers[0].name", string.Empty, "'layers[0].name' '' is empty or repeats another layer's");
        yield return Case("layers[1].name", "fc1", "'layers[1].name' 'fc1' is empty or repeats another layer's");
        yield return Case("layers[0].dendrites", 1025, "'layers[0].dendrites' is 1025; it must be between 0 and 1024 (CheckpointLoadOptions.MaxDendritesPerLayer)");
        yield return Case("layers[0].frozenSets", new JsonArray(0, 0), "'layers[0].frozenSets' must list distinct set indices below 1");
        yield return Case("layers[0].host.kernelSize", new JsonArray(3), "'layers[0].host.kernelSize' must list 0 values of at least 1 for a Linear");
        yield return Case("layers[0].host.inFeatures", 0, "'layers[0].host' has features or groups below 1");
        yield return Case("layers[0].host.groups", 2, "'layers[0].host.groups' is 2; a Linear has 1");
        yield return Case("layers[0].host.neuronAxis", 5, "'layers[0].host' sets module-host fields (moduleType, neuronAxis, moduleParameters) on a Linear, which has none");
        yield return Case("layers[0].host.moduleType", "Linear", "'layers[0].host' sets module-host fields*");
        yield return Case("weightsFile", "checksums.sha256", "'weightsFile' 'checksums.sha256' does not name a weights entry");
        yield return Case("weightsSha256", new string('A', 64), "'weightsSha256' is not 64 lower-case hex digits");
        yield return Case("weightsBytes", 7, "'weightsBytes' is 7; it must be between 8 and 274877906944 (CheckpointLoadOptions.MaxWeightsBytes)");
        yield return Case("tensorCount", 1_000_001, "'tensorCount' is 1000001; it must be between 0 and 1000000 (CheckpointLoadOptions.MaxTensorCount)");
        yield return Case("frozenBaseParameters", new JsonArray("fc1.bias", "fc1.bias"), "'frozenBaseParameters' must list distinct, non-empty parameter names, at most * (tensorCount)");
        yield return Case("formatVersion", 2, "'optimizer' is recorded from format 3 on, but the file says format 2");
        yield return Case("optimizer.type", string.Empty, "'optimizer.type' must name a type in 1 to 1024 characters");
        yield return Case("optimizer.parameterGroups", new JsonArray((JsonNode?)null), "'optimizer.parameterGroups' must be a list of parameter-name lists holding at most * (tensorCount) names");
        yield return Case("optimizer.parameterGroups", new JsonArray(new JsonArray("fc1.bias", null)), "'optimizer.parameterGroups' must hold distinct, non-empty parameter names");
        yield return Case("optimizer.sha256", "abc", "'optimizer.sha256' is not 64 lower-case hex digits");
        yield return Case("optimizer.bytes", -1, "'optimizer.bytes' is -1; it must be between 0 and 824633720832 (CheckpointLoadOptions.MaxOptimizerBytes)");
        yield return Case("extras.note", null, "'extras.note' is null");

        static TestCaseData Case(string field, JsonNode? value, string problem) =>
            new TestCaseData(field, value, problem).SetName($"{field} = {value?.ToJsonString() ?? "null"}");
    }

    [TestCaseSource(nameof(ValuesNoWriterWrites))]
    public void ReadManifest_ValueNoWriterWrites_ThrowsCorruptedNamingTheField(string field, JsonNode? value, string problem)
    {
        var path = SaveWithOptimizer();
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, field, value));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*the manifest field {problem}*");
    }

    // JsonStringEnumConverter read these: "A, B" as A | B (defined whenever one of them is 0 or both are equal), and
    // any case or padding; no writer writes them.
    [TestCase("layers[0].mode", "Replaced, Hooked", "AttachMode (Replaced, Hooked)")]
    [TestCase("layers[0].host.kind", "Linear, Linear", "HostKind (*)")]
    [TestCase("layers[0].host.paddingMode", "Zeros, Reflect", "PaddingModes (*)")]
    [TestCase("dendrite.activation", "Sigmoid, Tanh", "DendriteActivation (Sigmoid, Tanh, HardSigmoid)")]
    [TestCase("dendrite.activation", "tanh", "DendriteActivation (*)")]
    [TestCase("dendrite.activation", " Tanh", "DendriteActivation (*)")]
    public void ReadManifest_EnumValueNotExactlyOneName_ThrowsCorruptedNamingTheFieldAndTheValue(string field, string value, string names)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, field, value));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"Checkpoint '{path}' is corrupted: its manifest does not fit checkpoint format 5 at '{field}': The value \"{value}\" is not exactly one of the names of {names}.*");
    }

    [Test]
    public void ReadManifest_EnumValueAsItsNumber_ThrowsCorruptedNamingTheField()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, "layers[0].mode", 1));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*at 'layers[0].mode': The value is a Number, not one of the names of AttachMode*");
    }

    [Test]
    public void ReadManifest_EnumValueWithUnpairedSurrogateEscape_ThrowsCorruptedNamingTheField()
    {
        var path = SaveMlp();
        CheckpointForge.RewriteManifestText(path, text => text.Replace("\"mode\":\"", "\"mode\":\"\\ud800", System.StringComparison.Ordinal));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*at 'layers[0].mode': The value \"\\ud800*\" is not exactly one of the names of AttachMode*");
    }

    private string SaveWithOptimizer() =>
        Save(TestModels.Mlp(), new Dictionary<string, string> { ["note"] = "x" }, handle => TorchSharp.torch.optim.Adam(handle.TrainableParameters()));
}
