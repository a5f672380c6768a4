namespace Dendritic.Experiments;

/// <summary>What a growth session did after an epoch.</summary>
public sealed record GrowthStep
{
    /// <summary>Nothing changed; keep training.</summary>
    public static GrowthStep Continue { get; } = new();

    /// <summary>Dendrite sets added per wrapped layer in this step (0 when none).</summary>
    public int DendritesAdded { get; init; }

    /// <summary>
    /// Whether the set of parameters changed in another way (a growth step reverted and retried, sets frozen); the
    /// harness then rebuilds its optimizer as after growth.
    /// </summary>
    public bool ArchitectureChanged { get; init; }

    /// <summary>Whether training should end after this epoch.</summary>
    public bool Stop { get; init; }

    /// <summary>
    /// Whether it ends because the session's epoch cap came before its policy finished (a scheduler that had not
    /// completed); the report then says that a larger cap might change the result.
    /// </summary>
    public bool CutOff { get; init; }

    /// <summary>A short note for the training curve (for example "added 1 set to 2 layers"); null when none.</summary>
    public string? Note { get; init; }

    /// <summary>Whether parameters were added or changed (the optimizer must be rebuilt).</summary>
    public bool Grew => DendritesAdded > 0 || ArchitectureChanged;
}
