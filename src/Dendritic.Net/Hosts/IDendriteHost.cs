using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A module of your own that can carry dendrites by copy, without registering a <see cref="ModuleHost"/>: the wrapper
/// asks it for fresh copies (each dendrite set is one, re-initialised by <see cref="DendriteOptions.Initialization"/>)
/// and for the size of its output's neuron axis. Select it by name or type (<c>LayerSelector.Named("block")</c>).
/// A copy must take the same input and return a result of the same shape as the module; if it returns a tuple,
/// give a <see cref="ModuleHost"/> with an <see cref="IOutputProcessor{TOutput}"/> instead.
/// </summary>
public interface IDendriteHost
{
    /// <summary>Number of neurons: the size of the output's <see cref="NeuronAxis"/>.</summary>
    long Neurons { get; }

    /// <summary>The output axis that holds the neurons; negative counts from the end. Default -1 (last).</summary>
    int NeuronAxis => -1;

    /// <summary>A new module of the same architecture (its weights are redrawn by the library).</summary>
    /// <returns>The copy, on any device: the library moves it to the host's device and dtype.</returns>
    nn.Module CreateFreshCopy();
}
