namespace Dendritic;

/// <summary>What <see cref="DendritePruner"/> removes.</summary>
public enum PruningGranularity
{
    /// <summary>Whole dendrite sets (one dendrite on every neuron of a layer): saves parameters and FLOPs. The default.</summary>
    Set = 0,

    /// <summary>
    /// Single neurons' dendrites: their weights, bias, u and v are zeroed (the dense computation keeps its size, so
    /// this saves FLOPs only when every neuron of a set is zeroed and the set is then removed).
    /// </summary>
    Neuron = 1,
}
