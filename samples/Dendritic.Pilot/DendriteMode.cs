namespace Dendritic.Pilot;

/// <summary>How the pilot's dendritic arm gets its dendrites (command-line names in brackets).</summary>
public enum DendriteMode
{
    /// <summary>
    /// [fixed] The stand-in for the growth scheduler: after the baseline's epochs, add dendrite sets to every layer and
    /// keep training everything for the growth epochs (<see cref="Dendritic.Experiments.FixedEpochGrowth"/>).
    /// </summary>
    Fixed = 0,

    /// <summary>[fixed-frozen-host] As <see cref="Fixed"/>, but the host weights stop training when the dendrites arrive.</summary>
    FixedFrozenHost = 1,

    /// <summary>[off] No dendrites: run the baseline arm only.</summary>
    Off = 2,
}
