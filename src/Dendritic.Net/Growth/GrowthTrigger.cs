namespace Dendritic;

/// <summary>When the scheduler switches architecture (adds dendrites, or reverts and retries).</summary>
public enum GrowthTrigger
{
    /// <summary>When the score has not improved for more than <see cref="GrowthOptions.Patience"/> validations. The default.</summary>
    OnPlateau = 0,

    /// <summary>Every <see cref="GrowthOptions.Interval"/> validations, counted from the start or the last growth.</summary>
    EveryN = 1,

    /// <summary>At every validation; for smoke tests of the growth path.</summary>
    EveryValidation = 2,

    /// <summary>
    /// Never grow: the same loop becomes a plain baseline with early stopping (on a plateau the best weights are
    /// restored and training is complete).
    /// </summary>
    Never = 3,
}
