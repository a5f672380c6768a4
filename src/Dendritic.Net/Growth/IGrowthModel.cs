using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The model operations the <see cref="GrowthScheduler"/> needs. The scheduler's decision logic only talks to this,
/// so tests drive it with a fake and check scripted decisions without training anything.
/// </summary>
internal interface IGrowthModel
{
    /// <summary>Dendrite sets per wrapped layer (all layers grow together).</summary>
    int DendriteCount { get; }

    /// <summary>Scalar parameters of the whole model.</summary>
    long ParameterCount { get; }

    /// <summary>The wrapped layers' paths in the model, in layer order ("" for the model itself).</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>Dendrite sets of each wrapped layer.</summary>
    IReadOnlyList<int> LayerDendrites { get; }

    /// <summary>Frozen flags of every set of every layer.</summary>
    IReadOnlyList<IReadOnlyList<bool>> FrozenSets { get; }

    /// <summary>Sets the frozen flags (on resume); the structure must match.</summary>
    void ApplyFrozen(IReadOnlyList<IReadOnlyList<bool>> frozen);

    /// <summary>Adds <paramref name="count"/> sets to every wrapped layer; returns the new parameters.</summary>
    IReadOnlyList<Parameter> AddDendrites(int count = 1);

    /// <summary>The parameters of the last set of every wrapped layer, materialised.</summary>
    IReadOnlyList<Parameter> NewestParameters();

    /// <summary>Removes the last set of every wrapped layer.</summary>
    void RemoveLastDendrites();

    /// <summary>An in-memory copy of every weight.</summary>
    IDisposable CaptureWeights();

    /// <summary>Copies a capture back; the architecture must be the captured one.</summary>
    void RestoreWeights(IDisposable snapshot);

    /// <summary>
    /// Writes a capture's file to <paramref name="destination"/>: the new, empty temporary of an atomic write, readable
    /// and seekable, so a format may go back into what it wrote (a checkpoint's zip writer does). The caller hashes the
    /// finished file and makes it replace the target.
    /// </summary>
    void SaveSnapshot(IDisposable snapshot, Stream destination);

    /// <summary>
    /// Reads a capture written by <see cref="SaveSnapshot"/> from <paramref name="file"/>, the open file
    /// <paramref name="path"/> names: readable and seekable, from its start (a checkpoint is read where its zip directory
    /// points, not front to back). The caller hashes the file itself, before and after.
    /// </summary>
    IDisposable LoadSnapshot(Stream file, string path);

    /// <summary>Writes the current weights to a file (disk storage of the best weights).</summary>
    void SaveWeights(string path);

    /// <summary>Loads weights written by <see cref="SaveWeights"/> into the model.</summary>
    void LoadWeights(string path);

    /// <summary>Every parameter that requires gradients, materialised.</summary>
    IReadOnlyList<Parameter> TrainableParameters();

    /// <summary>
    /// Cascade-correlation: trains the last <see cref="CascadeCorrelationOptions.PoolSize"/> sets of every layer alone
    /// to maximise their correlation with the layer's error signal (everything else frozen, u held at zero), keeps
    /// per neuron the best candidate in the first of them and removes the others, then freezes the kept set and
    /// connects it (u trainable). Returns the correlation S of the installed sets.
    /// </summary>
    CandidateTrainingResult TrainCandidates(Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone);

    /// <summary>The activation statistics of the window since the last validation, for the history; null when no monitor is on.</summary>
    IReadOnlyList<LayerActivationStats>? TakeActivations();

    /// <summary>The names of the layers whose dendrites are switched off (they run the host alone); empty when all run.</summary>
    IReadOnlyList<string> SwitchedOffLayers { get; }
}
