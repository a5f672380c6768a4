using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Loading a checkpoint onto a fresh model (<see cref="Load"/>) or into a wrapped one (<see cref="Restore"/>).</content>
public static partial class DendriteCheckpoint
{
    /// <summary>
    /// Wraps <paramref name="freshModel"/> (a newly built, unwrapped model of the same architecture) exactly as the
    /// checkpoint records, each layer with the dendrite options it was saved with, and loads every weight into it. A
    /// fresh model built with <see cref="DendriteLayer"/>s by hand is adopted (<see cref="Dendrites.Adopt"/>) instead,
    /// and its dendrite counts and weights set from the checkpoint; its layers keep their own dendrite options, each
    /// layer's activation checked against the saved one. No manual replay of growth is needed. The file is read and
    /// verified completely before the model is touched.
    /// </summary>
    /// <param name="freshModel">The unwrapped model; it is changed in place.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">
    /// Bounds for reading the file, the module hosts of the save and the new handle's logger
    /// (<see cref="CheckpointLoadOptions.Logger"/>); <see cref="CheckpointLoadOptions.Default"/> when null. Validated here.
    /// </param>
    /// <param name="sampleInput">Optional input for the wrapper's check pass (see <see cref="Dendrites.Wrap"/>).</param>
    /// <remarks>
    /// A checkpoint that <see cref="GrowthScheduler.SaveCheckpoint"/> wrote during a run (its scheduler state not
    /// <see cref="GrowthPhase.Completed"/>) is a resume point: its weights are the last epoch's, not the best. Loading one
    /// logs event 1104 (Information) naming the best model's file, <c>{path}.best</c>, which this method loads like any
    /// checkpoint (to deploy it). Until <see cref="GrowthScheduler.Resume"/> takes the loaded checkpoint over,
    /// <see cref="Save"/> and the ONNX export of its handle log warning 1103. Rule of thumb: <c>run.dndt</c> resumes,
    /// <c>run.dndt.best</c> deploys.
    /// </remarks>
    /// <returns>The handle of the loaded model, the checkpoint's manifest (with its extra state) and the full path read.</returns>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> are invalid (<see cref="CheckpointLoadOptions.Validate"/>); nothing is read.</exception>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/> (a .NET I/O error, not a <see cref="CheckpointException"/>).</exception>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted, not a checkpoint, or exceeds a cap.</exception>
    /// <exception cref="CheckpointException">The file is a best-weights file of a pre-release Dendritic.Net (the message says what to do), or of a checkpoint format this version does not read.</exception>
    /// <exception cref="CheckpointMismatchException">The model's architecture or a dtype differs, or (a model built with <see cref="DendriteLayer"/>s) a layer's dendrite activation is not the one it was saved with; the message names the layer.</exception>
    /// <exception cref="DendriteWrapException">The model already has a handle (use <see cref="Restore"/>), holds a <see cref="DendriteLayer"/> that another model's handle holds (a layer has one handle), or the model's forward pass threw on <paramref name="sampleInput"/> in the check pass (a wrong sample, or an error in the forward pass: the reason in the message, the exception inside; the model is left unwrapped, its weights and which of them train as they were: the check pass runs before any weight is copied; a model built with DendriteLayers by hand is checked after, and keeps the checkpoint's weights without a handle). An <see cref="ArgumentNullException"/> from the forward pass passes through unchanged.</exception>
    public static LoadedCheckpoint Load(nn.Module freshModel, string path, CheckpointLoadOptions? options = null, Tensor? sampleInput = null)
    {
        ArgumentNullException.ThrowIfNull(freshModel);
        return LoadFresh(freshModel, path, (options ?? CheckpointLoadOptions.Default).Validate(), sampleInput);
    }

    private static LoadedCheckpoint LoadFresh(nn.Module freshModel, string path, CheckpointLoadOptions options, Tensor? sampleInput)
    {
        if (Dendrites.HasHandle(freshModel))
        {
            throw new DendriteWrapException($"The model already has a handle (from Dendrites.Wrap or Dendrites.Adopt), so it is not a fresh model; load '{path}' into it with DendriteCheckpoint.Restore(handle, path), or build a fresh model.");
        }

        if (freshModel is DendriteLayer || freshModel.modules().Any(m => m is DendriteLayer))
        {
            return LoadAdopted(freshModel, path, options, sampleInput);
        }

        using var archive = CheckpointArchive.Open(path, options);
        var moduleHosts = options.ModuleHosts;
        var manifest = archive.Manifest;
        var header = archive.ReadWeightsHeader();
        var modules = freshModel.named_modules().ToDictionary(m => m.Item1, m => m.Item2);
        foreach (var layer in manifest.Layers)
        {
            if (!modules.TryGetValue(layer.Name, out var module))
            {
                // The name is the file's alone (the model has no such layer), so it is quoted bounded.
                var name = UntrustedText.Name(layer.Name);
                throw new CheckpointMismatchException(name, $"Checkpoint '{path}' has dendrites on layer '{name}', which the model does not have. Layers that can carry dendrites: {LayerSelector.FormatNames(modules.Where(m => HostLayerSpec.IsSupported(m.Value)).Select(m => m.Key).ToList())}.");
            }

            HostLayerSpec? spec;
            try
            {
                spec = HostLayerSpec.IsSupported(module) ? HostLayerSpec.From(module, layer.Name)
                    : ModuleHost.Find(module, moduleHosts) is { } moduleHost ? HostLayerSpec.ForModule(module, moduleHost.NeuronsOf(module), moduleHost.NeuronAxis)
                    : null;
            }
            catch (UnsupportedHostException e)
            {
                throw new CheckpointMismatchException(layer.Name, $"Checkpoint '{path}' has dendrites on layer '{layer.Name}', which cannot carry them in this model: {e.Message}");
            }

            if (spec is null && layer.Host.Kind == HostKind.Module && layer.Host.ModuleType == module.GetType().Name)
            {
                // The same module type, but no host covers it here: the save was wrapped with a custom ModuleHost.
                throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' ({module.GetType().Name}) carried dendrites as a whole through a module host when checkpoint '{path}' was saved, and no module host covers it here. Pass the same host to the load: CheckpointLoadOptions.ModuleHosts = new[] {{ ModuleHost.For<{module.GetType().Name}>(...) }}, as WrapOptions.ModuleHosts had it.");
            }

            if (spec is null || !spec.Equals(layer.Host))
            {
                throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' differs: the checkpoint '{path}' has {UntrustedText.Name(layer.Host.ToString())}, the model has {(spec?.ToString() ?? module.GetType().Name)}. Build the model with the same architecture as the one saved.");
            }
        }

        CheckpointFit.DendritesFitWeights(manifest, header, path);
        Dictionary<string, Tensor>? tensors = null;
        try
        {
            var names = manifest.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
            var wrapOptions = new WrapOptions
            {
                Targets = LayerSelector.Where((p, _) => names.Contains(p), "the checkpoint's layers (their dendrite sets are restored from it next)"),
                InitialDendrites = 0,
                Dendrite = manifest.Dendrite,
                ModuleHosts = moduleHosts,
                Logger = options.Logger,
            };
            // Each layer gets the options it was saved with: its own where recorded (an adopted model's), else the
            // manifest's. The handle records the manifest's, as the saved one did.
            var own = manifest.Layers.Where(l => l.Dendrite is not null).ToDictionary(l => l.Name, l => l.Dendrite, StringComparer.Ordinal);
            var handle = Dendrites.WrapEach(freshModel, wrapOptions, sampleInput: null, p => own.GetValueOrDefault(p));
            try
            {
                // Checked from the header before a tensor is read: a file that does not fit costs no memory.
                CheckpointFit.TensorsFitModel(handle, manifest, header, path);
                BaseTrainability.ThrowIfUnknown(handle, manifest, path);
                tensors = archive.ReadTensors(header);
                Shape(handle, manifest);

                // The check pass runs before any weight or requires_grad of the model changes: it needs only the
                // structure, and a refused sample then leaves the model as it was once it is unwrapped below.
                if (sampleInput is not null)
                {
                    var typed = freshModel as nn.Module<Tensor, Tensor> ?? throw new ArgumentException("A sample input needs a Module<Tensor, Tensor> model.", nameof(sampleInput));
                    SampleCheck.Run(handle, typed, sampleInput, "the model is left unwrapped, its weights and which of them train as they were");
                }

                CopyWeights(handle, tensors, path);
                BaseTrainability.Apply(handle, manifest);
            }
            catch
            {
                handle.Unwrap();
                throw;
            }

            LogLoaded(handle, path, manifest);
            return new LoadedCheckpoint(handle, manifest, Path.GetFullPath(path), options);
        }
        finally
        {
            if (tensors is not null)
            {
                SafeTensorsFormat.Dispose(tensors);
            }
        }
    }

    /// <summary>
    /// Load for a fresh model built with <see cref="DendriteLayer"/>s by hand: adopts it and restores the checkpoint
    /// into the handle. On failure the handle is dropped without touching the model's structure.
    /// </summary>
    private static LoadedCheckpoint LoadAdopted(nn.Module freshModel, string path, CheckpointLoadOptions options, Tensor? sampleInput)
    {
        var handle = Dendrites.Adopt(freshModel, new AdoptOptions { Logger = options.Logger });
        try
        {
            var manifest = RestoreInto(handle, path, options, baseTrainability: true);
            if (sampleInput is not null)
            {
                var typed = freshModel as nn.Module<Tensor, Tensor> ?? throw new ArgumentException("A sample input needs a Module<Tensor, Tensor> model.", nameof(sampleInput));
                SampleCheck.Run(handle, typed, sampleInput, "the model has no handle (its weights are the checkpoint's)");
            }

            LogLoaded(handle, path, manifest);
            return new LoadedCheckpoint(handle, manifest, Path.GetFullPath(path), options);
        }
        catch
        {
            Dendrites.Forget(freshModel);
            throw;
        }
    }

    /// <summary>
    /// Loads a checkpoint into a model that is already wrapped (for example to go back to the best weights kept on
    /// disk): dendrite counts are adjusted to the checkpoint's, then every weight is copied in. The file is read and
    /// verified completely, and checked against the model (hosts, keys, shapes and dtypes), before the model is touched:
    /// a checkpoint that does not fit leaves it as it was. Which base parameters train is left as it is (a setting of
    /// the run in progress; <see cref="Load"/> sets it from the file, <see cref="CheckpointManifest.FrozenBaseParameters"/>).
    /// </summary>
    /// <param name="model">The wrapped model, with the same wrapped layers as the checkpoint.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Bounds for reading the file; <see cref="CheckpointLoadOptions.Default"/> when null. Its <see cref="CheckpointLoadOptions.Logger"/> is not used: the handle keeps its own.</param>
    /// <returns>The checkpoint's manifest (with its extra state).</returns>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> are invalid (<see cref="CheckpointLoadOptions.Validate"/>); nothing is read.</exception>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/> (a .NET I/O error, not a <see cref="CheckpointException"/>).</exception>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted, not a checkpoint, or exceeds a cap.</exception>
    /// <exception cref="CheckpointMismatchException">The wrapped layers, a shape or a dtype differ, or a layer's dendrite activation is not the one it was saved with (its other dendrite options stay the model's).</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (<see cref="DendriticModel.Unwrap"/>); load the checkpoint onto a fresh model with <see cref="Load"/> instead.</exception>
    public static CheckpointManifest Restore(DendriticModel model, string path, CheckpointLoadOptions? options = null) =>
        RestoreInto(model, path, options, baseTrainability: false);

    /// <summary><see cref="Restore(DendriticModel, string, CheckpointLoadOptions?)"/>, setting which base parameters train as the file records when <paramref name="baseTrainability"/> (a load of a fresh model).</summary>
    private static CheckpointManifest RestoreInto(DendriticModel model, string path, CheckpointLoadOptions? options, bool baseTrainability)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();
        using var archive = CheckpointArchive.Open(path, options);
        var manifest = archive.Manifest;
        var header = archive.ReadWeightsHeader();
        ThrowIfNotFitting(model, manifest, header, path);
        if (baseTrainability)
        {
            BaseTrainability.ThrowIfUnknown(model, manifest, path);
        }

        var tensors = archive.ReadTensors(header);
        try
        {
            Shape(model, manifest);
            CopyWeights(model, tensors, path);
            if (baseTrainability)
            {
                BaseTrainability.Apply(model, manifest);
            }

            return manifest;
        }
        finally
        {
            SafeTensorsFormat.Dispose(tensors);
        }
    }

    /// <summary>
    /// Event 1101, with the full path (as 1100 has it) and the dendrite sets restored, per layer when they differ; then,
    /// when the file is a growth run's resume point, event 1104 and the handle's mark for warning 1103 at its saves and
    /// exports (which <see cref="GrowthScheduler.Resume"/> clears).
    /// </summary>
    private static void LogLoaded(DendriticModel handle, string path, CheckpointManifest manifest)
    {
        var logger = handle.Options.Logger;
        if (ResumePointOf(path, manifest) is { } origin)
        {
            DendriticLog.ResumePointLoaded(logger, origin.Path, origin.Phase, origin.Validations, origin.BestPath);
            handle.LoadedResumePoint = origin;
        }

        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var counts = manifest.Layers.Select(l => l.DendriteCount).Distinct().ToList();
        var sets = counts.Count <= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{counts.FirstOrDefault()} dendrite set(s) per layer")
            : "dendrite sets " + string.Join(", ", manifest.Layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{(l.Name.Length == 0 ? "(model)" : l.Name)}: {l.DendriteCount}")));
        DendriticLog.CheckpointLoaded(logger, Path.GetFullPath(path), UntrustedText.Excerpt(manifest.LibraryVersion), manifest.Layers.Count, sets);
    }

    /// <summary>
    /// The file as a resume point, when <see cref="GrowthScheduler.SaveCheckpoint"/> wrote it during a run that had
    /// seen a score (it records a best-weights file) and had not completed: the weights loaded are the last epoch's,
    /// while the best model is in <c>{path}.best</c>. Null before the first score (there is no best model yet), for
    /// any other file (the <c>.best</c> has no extras), and for a state that does not read
    /// (<see cref="GrowthScheduler.Resume"/> reports that; a load needs no state).
    /// </summary>
    private static ResumePointOrigin? ResumePointOf(string path, CheckpointManifest manifest)
    {
        if (manifest.Extras is not { } extras || !extras.ContainsKey(GrowthScheduler.BestWeightsExtrasKey))
        {
            return null;
        }

        GrowthSchedulerState? state;
        try
        {
            state = GrowthSchedulerState.FromCheckpoint(manifest, path);
        }
        catch (CheckpointCorruptedException)
        {
            return null;
        }

        return state is { Phase: not GrowthPhase.Completed }
            ? new ResumePointOrigin(Path.GetFullPath(path), state.Validations, state.Phase, BestWeightsSidecar.OwnName(path))
            : null;
    }

    // The manifest's structure: each layer's dendrite count, switch and which parts of its sets train. A format-4 or
    // older file has one flag per set, which froze u with the set; from format 5 u has its own (cascade-correlation
    // freezes a set's inputs and trains its u).
    private static void Shape(DendriticModel model, CheckpointManifest manifest)
    {
        StateLayout.Resize(model.Layers.Select(l => l.Attachment).ToList(), manifest.Layers.ToDictionary(l => l.Name, l => l.DendriteCount, StringComparer.Ordinal));
        foreach (var layer in manifest.Layers)
        {
            var wrapped = model.Layers.First(l => l.Name == layer.Name);
            wrapped.Enabled = layer.Enabled;
            foreach (var set in wrapped.Branch.Sets)
            {
                set.Frozen = layer.FrozenSets.Contains(set.Index);
                if (manifest.FormatVersion >= 5)
                {
                    set.OutputScale.requires_grad = !layer.FrozenOutputScales.Contains(set.Index);
                }
            }
        }
    }

    private static void CopyWeights(DendriticModel model, Dictionary<string, Tensor> tensors, string path)
    {
        // Checked before the change too (CheckpointFit.TensorsFitModel); checked again on what the model now holds, so
        // that copy_ can never convert a dtype or broadcast a shape if the two ever disagreed.
        var state = model.Model.state_dict();
        CheckpointFit.ThrowIfDiffers(StateLayout.Of(state), StateLayout.Of(tensors), path);

        using (no_grad())
        {
            foreach (var (key, tensor) in state)
            {
                tensor.copy_(tensors[key]);
            }
        }
    }
}
