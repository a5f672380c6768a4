namespace Dendritic;

/// <summary>How <see cref="DendritePruner"/> decides that a dendrite's contribution is negligible.</summary>
public enum PruningCriterion
{
    /// <summary>
    /// By weight: a dendrite goes when its output scale |u| and every cascade weight |v| that later sets read from it
    /// are at most <see cref="PruningOptions.MaxOutputScale"/> (unitless). Needs no data. The default.
    /// </summary>
    OutputScale = 0,

    /// <summary>
    /// By measured effect: sets are tried one at a time (smallest weights first) on a validation batch and removed
    /// while the model's largest absolute output change stays at most <see cref="PruningOptions.MaxOutputChange"/> (in the
    /// model's output units).
    /// Set granularity only.
    /// </summary>
    MeasuredEffect = 1,
}
