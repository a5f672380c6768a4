namespace Dendritic;

/// <summary>Where the scheduler is in its life cycle.</summary>
public enum GrowthPhase
{
    /// <summary>Training the architecture the model started with; no growth step yet.</summary>
    Initial = 0,

    /// <summary>Training after at least one growth step.</summary>
    Grown = 1,

    /// <summary>Done; the best model has been restored.</summary>
    Completed = 2,
}
