namespace Dendritic.Pilot;

/// <summary>How the pilot's dendritic arm gets its dendrites (command-line names in brackets).</summary>
public enum DendriteMode
{
    /// <summary>
    /// [scheduler] The library's GrowthScheduler, gradient-descent training: grow on a validation plateau, keep only
    /// growth that helps, stop when done (<see cref="Dendritic.Experiments.SchedulerGrowth"/>).
    /// </summary>
    Scheduler = 0,

    /// <summary>[scheduler-cc] The GrowthScheduler with cascade-correlation: new dendrites are trained to track each neuron's error, then frozen.</summary>
    SchedulerCascadeCorrelation = 1,

    /// <summary>
    /// [fixed] A fixed schedule: after the baseline's epochs, add dendrite sets to every layer and keep training
    /// everything for the growth epochs (<see cref="Dendritic.Experiments.FixedEpochGrowth"/>).
    /// </summary>
    Fixed = 2,

    /// <summary>[fixed-frozen-host] As <see cref="Fixed"/>, but the host weights stop training when the dendrites arrive.</summary>
    FixedFrozenHost = 3,

    /// <summary>[off] No dendrites: run the baseline arm only.</summary>
    Off = 4,
}
