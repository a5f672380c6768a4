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
    private IReadOnlyList<Parameter> _newest = Array.Empty<Parameter>();

    public int Version { get; set; }

    public List<string> Operations { get; } = new();

    /// <summary>How many snapshots were read from files (best weights imported or checked).</summary>
    public int SnapshotsLoaded { get; private set; }

    public int DendriteCount { get; private set; }

    public long ParameterCount => 100 + (10L * DendriteCount);

    public IReadOnlyList<string> LayerNames => new[] { "fake" };

    /// <summary>What <see cref="SwitchedOffLayers"/> reports; empty by default.</summary>
    public List<string> SwitchedOff { get; } = new();

    public IReadOnlyList<string> SwitchedOffLayers => SwitchedOff;

    public IReadOnlyList<int> LayerDendrites => new[] { DendriteCount };

    public IReadOnlyList<IReadOnlyList<bool>> FrozenSets => new[] { (IReadOnlyList<bool>)Enumerable.Repeat(false, DendriteCount).ToList() };

    /// <summary>What the user's training does between validations.</summary>
    public void Train() => Version++;

    public void ApplyFrozen(IReadOnlyList<IReadOnlyList<bool>> frozen)
    {
    }

    public IReadOnlyList<Parameter> AddDendrites(int count = 1)
    {
        DendriteCount += count;
        Operations.Add(count == 1 ? "add" : $"add:{count}");
        _newest = new[] { new Parameter(zeros(1)) };
        return _newest;
    }

    public IReadOnlyList<Parameter> NewestParameters() => _newest;

    public void RemoveLastDendrites()
    {
        DendriteCount--;
        Operations.Add("remove");
    }

    public IReadOnlyList<LayerActivationStats>? TakeActivations() => null;

    public IDisposable CaptureWeights() => new Snapshot(Version, DendriteCount);

    public void RestoreWeights(IDisposable snapshot)
    {
        // As the real models do: the snapshot's dendrite count is put back (here only downwards, as the scheduler needs).
        var (version, dendrites) = (Snapshot)snapshot;
        if (dendrites > DendriteCount)
        {
            throw new InvalidOperationException($"Restoring {dendrites} sets into {DendriteCount}.");
        }

        while (DendriteCount > dendrites)
        {
            RemoveLastDendrites();
        }

        Version = version;
        Operations.Add($"restore:{Version}");
    }

    public void SaveSnapshot(IDisposable snapshot, System.IO.Stream destination)
    {
        var (version, dendrites) = (Snapshot)snapshot;
        destination.Write(System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"{version} {dendrites}")));
    }

    public IDisposable LoadSnapshot(System.IO.Stream file, string path)
    {
        SnapshotsLoaded++;
        using var text = new System.IO.MemoryStream();
        file.CopyTo(text);
        var parts = System.Text.Encoding.ASCII.GetString(text.ToArray()).Split(' ');
        return new Snapshot(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void SaveWeights(string path)
    {
        using var file = System.IO.File.Create(path);
        SaveSnapshot(CaptureWeights(), file);
    }

    public void LoadWeights(string path)
    {
        using var file = System.IO.File.OpenRead(path);
        RestoreWeights(LoadSnapshot(file, path));
    }

    public IReadOnlyList<Parameter> TrainableParameters() => Array.Empty<Parameter>();

    public CandidateTrainingResult TrainCandidates(Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone)
    {
        Operations.Add("candidates");
        foreach (var unused in losses())
        {
            // One pass over the user's batches, so a failing delegate fails here as in the real trainer.
        }

        epochDone(1, 1.0);
        if (options.PoolSize > 1)
        {
            // Like the real trainer: the pool shrinks to one new set per layer.
            DendriteCount -= options.PoolSize - 1;
            return new CandidateTrainingResult(1.0) { PoolSize = options.PoolSize, BestSingleCandidate = 0.5 };
        }

        return new CandidateTrainingResult(1.0);
    }

    private sealed record Snapshot(int Version, int Dendrites) : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
