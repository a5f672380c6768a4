using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The <see cref="IGrowthModel"/> of a model wrapped by <see cref="Dendrites.Wrap"/>: growth, revert and snapshots
/// go through the <see cref="DendriticModel"/> handle, and disk storage through <see cref="DendriteCheckpoint"/>.
/// </summary>
internal sealed class WrappedGrowthModel : BranchGrowthModel
{
    public WrappedGrowthModel(DendriticModel handle)
        : base(handle.Model, handle.Layers.Select(l => l.Branch).ToList(), handle.Layers.Select(l => l.Name).ToList())
    {
        Handle = handle;
    }

    public DendriticModel Handle { get; }

    /// <summary>
    /// How the best weights are read back (null: the defaults): <see cref="GrowthScheduler.Resume"/> sets the options
    /// the resumed checkpoint was loaded with, since the best model of a run whose checkpoint needed them (non-finite
    /// weights, larger caps) needs them too.
    /// </summary>
    public CheckpointLoadOptions? LoadOptions { get; set; }

    protected override Device Device => Handle.Layers[0].HostWeight.device;

    public override IReadOnlyList<string> SwitchedOffLayers => Handle.Layers.Where(l => !l.Enabled).Select(l => l.Name).ToList();

    public override void RemoveLastDendrites() => Handle.RemoveLastDendrites(1);

    public override IReadOnlyList<LayerActivationStats>? TakeActivations() => Handle.ActivationMonitor?.TakeForHistory();

    public override IDisposable CaptureWeights() => Handle.CaptureWeights();

    public override void RestoreWeights(IDisposable snapshot) => Handle.RestoreWeights((WeightSnapshot)snapshot);

    // The best weights in memory are written as a checkpoint of the model as it was when they were captured: the file
    // beside a run's checkpoint ({checkpoint}.best) is then one that DendriteCheckpoint.Load deploys.
    public override void SaveSnapshot(IDisposable snapshot, Stream destination) =>
        DendriteCheckpoint.WriteSnapshot(Handle, (WeightSnapshot)snapshot, destination);

    public override IDisposable LoadSnapshot(Stream file, string path) =>
        DendriteCheckpoint.ReadSnapshot(Handle, file, path, Device, LoadOptions);

    // The scheduler's own best-weights file (GrowthOptions.BestWeightsDirectory), written during its run: not a save
    // of the user's, so without Save's warnings about saving during a run (1103, 1106).
    public override void SaveWeights(string path) => DendriteCheckpoint.SaveDescribed(Handle, path, extras: null, described: null);

    // The folder's file is the scheduler's own (written by this run, or imported after its digest matched the
    // checkpoint's record), so what the model held when it was captured comes back, non-finite values (an attention
    // mask's -inf) included, as it does from memory; refusing them made the first restore of such a model throw.
    // Between validations every set's u trains (ApplyFrozen); a best-weights file of checkpoint format 4 (imported by a
    // Resume of a run saved then) recorded one flag per set, and its Restore froze u with it.
    public override void LoadWeights(string path)
    {
        DendriteCheckpoint.Restore(Handle, path, (LoadOptions ?? CheckpointLoadOptions.Default) with { AllowNonFiniteWeights = true });
        foreach (var set in Branches.SelectMany(b => b.Sets))
        {
            set.OutputScale.requires_grad = true;
        }
    }

    protected override IReadOnlyList<Parameter> AddSets(int count) => Handle.AddDendrites(count);
}
