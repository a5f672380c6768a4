namespace Dendritic.Pilot;

/// <summary>How the pilot's dendritic arm gets its dendrites.</summary>
public enum DendriteMode
{
    /// <summary>
    /// The stand-in: after the baseline's epochs, add dendrite sets to every layer and train a few epochs more
    /// (<see cref="Dendritic.Experiments.FixedEpochGrowth"/>), then run both controls.
    /// </summary>
    Fixed = 0,

    /// <summary>No dendrites: run the baseline arm only.</summary>
    Off = 1,
}
