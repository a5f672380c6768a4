using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>What the two real <see cref="IGrowthModel"/>s share: they see the model and its dendrite branches.</summary>
internal abstract class BranchGrowthModel : IGrowthModel
{
    protected BranchGrowthModel(nn.Module model, IReadOnlyList<DendriteBranch> branches, IReadOnlyList<string> layerNames)
    {
        Model = model;
        Branches = branches;
        LayerNames = layerNames;
    }

    public IReadOnlyList<string> LayerNames { get; }

    public nn.Module Model { get; }

    public IReadOnlyList<DendriteBranch> Branches { get; }

    /// <inheritdoc />
    public virtual IReadOnlyList<LayerActivationStats>? TakeActivations() => null;

    /// <inheritdoc />
    public abstract IReadOnlyList<string> SwitchedOffLayers { get; }

    public int DendriteCount => Branches.Max(b => b.Count);

    public long ParameterCount => Model.parameters().Sum(p => p.numel());

    public IReadOnlyList<int> LayerDendrites => Branches.Select(b => b.Count).ToList();

    public IReadOnlyList<IReadOnlyList<bool>> FrozenSets =>
        Branches.Select(b => (IReadOnlyList<bool>)b.Sets.Select(s => s.Frozen).ToList()).ToList();

    protected abstract Device Device { get; }

    public void ApplyFrozen(IReadOnlyList<IReadOnlyList<bool>> frozen)
    {
        for (var l = 0; l < Branches.Count; l++)
        {
            var sets = Branches[l].Sets;
            for (var s = 0; s < sets.Count; s++)
            {
                sets[s].Frozen = frozen[l][s];

                // Between validations a set's output scale u always trains; cascade-correlation freezes only its inputs.
                sets[s].OutputScale.requires_grad = true;
            }
        }
    }

    // New sets leave any dispose scope themselves (DendriteSet's constructor), so a caller's scope cannot free them.
    public IReadOnlyList<Parameter> AddDendrites(int count = 1) => AddSets(count);

    public abstract void RemoveLastDendrites();

    public abstract IDisposable CaptureWeights();

    public abstract void RestoreWeights(IDisposable snapshot);

    public abstract void SaveSnapshot(IDisposable snapshot, Stream destination);

    public abstract IDisposable LoadSnapshot(Stream file, string path);

    public abstract void SaveWeights(string path);

    public abstract void LoadWeights(string path);

    public IReadOnlyList<Parameter> TrainableParameters() => Model.parameters().Where(p => p.requires_grad).ToList();

    public IReadOnlyList<Parameter> NewestParameters() => Branches.SelectMany(b => b.Sets[^1].parameters()).ToList();

    public CandidateTrainingResult TrainCandidates(Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone) =>
        CascadeCorrelationTrainer.Train(Model, Branches, LayerNames, losses, options, epochDone);

    protected abstract IReadOnlyList<Parameter> AddSets(int count);

    /// <summary>Detached copies of the model's state dict (weights and buffers).</summary>
    protected Dictionary<string, Tensor> CopyState()
    {
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);

        // The scope frees the detach() intermediates now rather than in the finalizer queue.
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (key, tensor) in Model.state_dict())
            {
                copies[key] = scope.Detach(tensor.detach().clone());
            }
        }

        return copies;
    }
}
