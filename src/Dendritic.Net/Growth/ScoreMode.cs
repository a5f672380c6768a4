namespace Dendritic;

/// <summary>Whether a higher or a lower validation score is better (ReduceLROnPlateau's <c>mode</c>).</summary>
public enum ScoreMode
{
    /// <summary>Higher is better (accuracy, F1). The default.</summary>
    Maximize = 0,

    /// <summary>Lower is better (loss, error rate).</summary>
    Minimize = 1,
}
