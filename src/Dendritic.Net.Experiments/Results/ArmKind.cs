namespace Dendritic.Experiments;

/// <summary>The arms of a dendrite experiment.</summary>
public enum ArmKind
{
    /// <summary>The model at its given width, trained for the recipe's epoch budget.</summary>
    Baseline = 0,

    /// <summary>The same model and start, with dendrites grown by the growth policy (which may train longer).</summary>
    Dendritic = 1,

    /// <summary>
    /// The baseline widened to the parameter count the dendritic arm ended with (nearest width), trained for as many
    /// epochs as the dendritic arm used: does a plain wider network do as well?
    /// </summary>
    CapacityMatched = 2,

    /// <summary>The baseline at its own width, trained for as many epochs as the dendritic arm used: is it just more training?</summary>
    TrainAsLong = 3,
}
