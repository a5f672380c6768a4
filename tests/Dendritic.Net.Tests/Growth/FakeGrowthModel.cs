using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A model stand-in for the scheduler's decision logic: its "weights" are one version number that training bumps,
/// and it records every operation the scheduler performs on it.
/// </summary>
internal sealed class FakeGrowthModel : IGrowthModel
{
    public int Version { get; set; }

    public List<string> Operations { get; } = new();

    public int DendriteCount { get; private set; }

    public long ParameterCount => 100 + (10L * DendriteCount);

    public IReadOnlyList<int> LayerDendrites => new[] { DendriteCount };

    public IReadOnlyList<IReadOnlyList<bool>> FrozenSets => new[] { (IReadOnlyList<bool>)Enumerable.Repeat(false, DendriteCount).ToList() };

    public Device Device => CPU;

    /// <summary>What the user's training does between validations.</summary>
    public void Train() => Version++;

    public void ApplyFrozen(IReadOnlyList<IReadOnlyList<bool>> frozen)
    {
    }

    public IReadOnlyList<Parameter> AddDendrites()
    {
        DendriteCount++;
        Operations.Add("add");
        return new[] { new Parameter(zeros(1)) };
    }

    public void RemoveLastDendrites()
    {
        DendriteCount--;
        Operations.Add("remove");
    }

    public WeightSnapshot CaptureWeights() =>
        new(new Dictionary<string, Tensor> { ["version"] = tensor(Version).DetachFromDisposeScope() }, DendriteCount);

    public void RestoreWeights(WeightSnapshot snapshot)
    {
        if (snapshot.DendriteCount != DendriteCount)
        {
            throw new InvalidOperationException($"Restoring {snapshot.DendriteCount} sets into {DendriteCount}.");
        }

        Version = snapshot.Tensors["version"].item<int>();
        Operations.Add($"restore:{Version}");
    }

    public IReadOnlyList<Parameter> TrainableParameters() => Array.Empty<Parameter>();

    public double TrainCandidates(Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone)
    {
        Operations.Add("candidates");
        epochDone(1, 1.0);
        return 1.0;
    }
}
