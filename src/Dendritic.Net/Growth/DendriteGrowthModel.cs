using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>The <see cref="IGrowthModel"/> of a real model: its wrapped <see cref="DendriteLayer"/>s grow together.</summary>
internal sealed class DendriteGrowthModel : IGrowthModel
{
    private readonly nn.Module _model;
    private readonly IReadOnlyList<DendriteLayer> _layers;

    public DendriteGrowthModel(nn.Module model, IReadOnlyList<DendriteLayer> layers)
    {
        _model = model;
        _layers = layers;
    }

    public int DendriteCount => _layers.Max(l => l.DendriteCount);

    public long ParameterCount => _model.parameters().Sum(p => p.numel());

    public IReadOnlyList<int> LayerDendrites => _layers.Select(l => l.DendriteCount).ToList();

    public IReadOnlyList<IReadOnlyList<bool>> FrozenSets =>
        _layers.Select(l => (IReadOnlyList<bool>)l.Branch.Sets.Select(s => s.Frozen).ToList()).ToList();

    public Device Device => _layers[0].Weight.device;

    public void ApplyFrozen(IReadOnlyList<IReadOnlyList<bool>> frozen)
    {
        for (var l = 0; l < _layers.Count; l++)
        {
            var sets = _layers[l].Branch.Sets;
            for (var s = 0; s < sets.Count; s++)
            {
                sets[s].Frozen = frozen[l][s];

                // Between validations a set's output scale u always trains; cascade-correlation freezes only its inputs.
                sets[s].OutputScale.requires_grad = true;
            }
        }
    }

    public IReadOnlyList<Parameter> AddDendrites()
    {
        var added = new List<Parameter>();
        foreach (var layer in _layers)
        {
            foreach (var set in layer.AddDendrites(1))
            {
                foreach (var parameter in set.parameters())
                {
                    // A caller's dispose scope must not free the model's new weights when it ends.
                    parameter.DetachFromDisposeScope();
                    added.Add(parameter);
                }
            }
        }

        return added;
    }

    public void RemoveLastDendrites()
    {
        foreach (var layer in _layers)
        {
            layer.Branch.RemoveLast(1);
        }
    }

    public WeightSnapshot CaptureWeights()
    {
        var tensors = new Dictionary<string, Tensor>();
        using (no_grad())
        {
            foreach (var (name, parameter) in _model.named_parameters())
            {
                tensors[name] = parameter.detach().clone().DetachFromDisposeScope();
            }

            foreach (var (name, buffer) in _model.named_buffers())
            {
                tensors[name] = buffer.detach().clone().DetachFromDisposeScope();
            }
        }

        return new WeightSnapshot(tensors, DendriteCount);
    }

    public void RestoreWeights(WeightSnapshot snapshot)
    {
        var targets = _model.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(_model.named_buffers().Select(b => (b.name, b.buffer))).ToList();
        if (targets.Count != snapshot.Tensors.Count || targets.Any(t => !snapshot.Tensors.ContainsKey(t.name)))
        {
            throw new InvalidOperationException(
                $"The saved best weights ({snapshot.Tensors.Count} tensors, {snapshot.DendriteCount} dendrite set(s)) do not match the model ({targets.Count} tensors, {DendriteCount} dendrite set(s)); was the model changed outside the scheduler?");
        }

        using (no_grad())
        {
            foreach (var (name, target) in targets)
            {
                target.copy_(snapshot.Tensors[name]);
            }
        }
    }

    public IReadOnlyList<Parameter> TrainableParameters() => _model.parameters().Where(p => p.requires_grad).ToList();

    public double TrainCandidates(Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone) =>
        CascadeCorrelationTrainer.Train(_model, _layers, losses, options, epochDone);
}
