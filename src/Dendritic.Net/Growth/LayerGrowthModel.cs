using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>The <see cref="IGrowthModel"/> of a model whose layers were wrapped by hand in <see cref="DendriteLayer"/>s.</summary>
internal sealed class LayerGrowthModel : BranchGrowthModel
{
    private readonly IReadOnlyList<DendriteLayer> _layers;

    public LayerGrowthModel(nn.Module model, IReadOnlyList<DendriteLayer> layers)
        : base(model, layers.Select(l => l.Branch).ToList())
    {
        _layers = layers;
    }

    protected override Device Device => _layers[0].Weight.device;

    public override void RemoveLastDendrites()
    {
        foreach (var layer in _layers)
        {
            layer.Branch.RemoveLast(1);
        }
    }

    public override IDisposable CaptureWeights() => new StoredWeights(CopyState(), Counts());

    public override void RestoreWeights(IDisposable snapshot)
    {
        var stored = (StoredWeights)snapshot;
        var state = Model.state_dict();
        if (state.Count != stored.Tensors.Count || state.Keys.Any(k => !stored.Tensors.ContainsKey(k)))
        {
            throw new InvalidOperationException(
                $"The best weights ({stored.Tensors.Count} tensors) do not fit the model ({state.Count} tensors, {DendriteCount} dendrite set(s)); was the model changed outside the scheduler?");
        }

        using (no_grad())
        {
            foreach (var (key, tensor) in state)
            {
                tensor.copy_(stored.Tensors[key]);
            }
        }
    }

    public override void SaveSnapshot(IDisposable snapshot, string path) => ((StoredWeights)snapshot).Save(path);

    public override IDisposable LoadSnapshot(string path) => ReadStored(path);

    public override void SaveWeights(string path)
    {
        using var snapshot = (StoredWeights)CaptureWeights();
        snapshot.Save(path);
    }

    public override void LoadWeights(string path)
    {
        using var stored = ReadStored(path);
        RestoreWeights(stored);
    }

    protected override IReadOnlyList<Parameter> AddSets(int count) =>
        _layers.SelectMany(l => l.AddDendrites(count)).SelectMany(s => s.parameters()).ToList();

    private Dictionary<string, int> Counts() =>
        _layers.Select((l, i) => (i, l.DendriteCount)).ToDictionary(p => p.i.ToString(CultureInfo.InvariantCulture), p => p.DendriteCount, StringComparer.Ordinal);
}
