namespace Dendritic.FromPerforatedAI;

/// <summary>
/// One seed's four arms, the script's <c>dict(seed, baseline, pai, capacity_matched, train_as_long)</c>, and the
/// original's figures for the same seed when its results file is in the repository.
/// </summary>
internal sealed record SeedRow(
    int Seed,
    PlainArmResult Baseline,
    PaiArmResult Dendritic,
    PlainArmResult CapacityMatched,
    PlainArmResult TrainAsLong,
    OriginalSeed? Original);
