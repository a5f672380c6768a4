namespace Dendritic;

/// <summary>What a call to <see cref="GrowthScheduler.Step"/> did to the model.</summary>
public enum GrowthAction
{
    /// <summary>Nothing changed; keep training.</summary>
    NoChange = 0,

    /// <summary>
    /// The architecture changed (dendrites added, possibly after reverting a failed growth step) and the best weights
    /// were restored first (unless <see cref="GrowthOptions.KeepOnlyImprovements"/> is false, which grows on the weights
    /// as they are): rebuild the optimizer from <see cref="GrowthDecision.TrainableParameters"/>.
    /// </summary>
    DendritesAdded = 1,

    /// <summary>
    /// Training is complete and the best model has been restored. Further calls throw. When the restore removed dendrite
    /// sets, <see cref="GrowthDecision.RebuildOptimizer"/> is true: an optimizer built before holds their parameters.
    /// </summary>
    Completed = 2,
}
