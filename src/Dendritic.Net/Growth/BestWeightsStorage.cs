namespace Dendritic;

/// <summary>Where the scheduler keeps the weights of the best model seen so far.</summary>
public enum BestWeightsStorage
{
    /// <summary>A detached copy in memory, on the model's device. The default.</summary>
    Memory = 0,

    /// <summary>A file in <see cref="GrowthOptions.BestWeightsDirectory"/>; nothing extra stays in memory.</summary>
    Disk = 1,
}
