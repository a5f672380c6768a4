using System;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A checkpoint of a short run saved with SaveCheckpoint, and edits of the scheduler state in its extras, for the
/// tests of how a doctored state is read (<see cref="GrowthStateFromCheckpointTests"/>, <see cref="GrowthStateConsistencyTests"/>).
/// </summary>
internal static class SteppedRun
{
    /// <summary>
    /// A run of four validations (0.5, 0.6, 0.6, 0.6 with patience 1 and the classic rules: one growth, so every
    /// counter is 0 and each layer has one set) saved to <paramref name="path"/>; returns the path.
    /// </summary>
    public static string Save(string path)
    {
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 }), ClassicRules.Options with { Patience = 1 });
        foreach (var score in new[] { 0.5, 0.6, 0.6, 0.6 })
        {
            scheduler.Step(score, learningRate: 0.1, epochTime: TimeSpan.FromSeconds(1));
        }

        scheduler.SaveCheckpoint(path);
        return path;
    }

    /// <summary>Rewrites the scheduler state in the checkpoint's extras (hashes recomputed, so only the state's own checks can catch it).</summary>
    public static void Edit(string path, Func<JsonObject, JsonObject> change, Func<string, string>? text = null) =>
        Checkpoints.CheckpointForge.Rewrite(path, m =>
        {
            var extras = m["extras"]!.AsObject();
            var state = change(JsonNode.Parse(extras[GrowthScheduler.StateExtrasKey]!.GetValue<string>())!.AsObject());
            extras[GrowthScheduler.StateExtrasKey] = (text ?? (t => t))(state.ToJsonString());
        });

    /// <summary><see cref="Edit(string, Func{JsonObject, JsonObject}, Func{string, string})"/> changing the state in place.</summary>
    public static void Edit(string path, Action<JsonObject> change) => Edit(path, s =>
    {
        change(s);
        return s;
    });
}
