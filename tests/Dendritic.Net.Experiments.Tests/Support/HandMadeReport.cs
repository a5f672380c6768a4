using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Experiments.Tests.Support;

/// <summary>A report built by hand (no training): the baseline and dendritic arms on the given seeds, with decimals everywhere.</summary>
internal static class HandMadeReport
{
    public static ExperimentReport For(params int[] seeds)
    {
        var runs = seeds.SelectMany(seed => new[] { Run(ArmKind.Baseline, seed, 0.9046 + (0.0013 * seed)), Run(ArmKind.Dendritic, seed, 0.9146 + (0.0017 * seed)) }).ToList();
        return new ExperimentReport
        {
            FinishedUtc = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero),
            Data = "hand-made",
            MetricName = "accuracy",
            Seeds = seeds,
            Width = 8,
            Recipe = new TrainingRecipe { LearningRate = 0.0015, Epochs = 3 },
            Growth = "by hand",
            Device = "cpu",
            Machine = "test",
            GridIntensityGramsPerKwh = 250.5,
            Runs = runs,
            Summaries = ReportSummaries.Build(runs),
        };
    }

    private static RunResult Run(ArmKind arm, int seed, double test) => new()
    {
        Arm = arm,
        Seed = seed,
        Width = 8,
        Epochs = 3,
        BestEpoch = 2,
        BestValidationMetric = test + 0.0021,
        TestMetric = test,
        Parameters = arm == ArmKind.Baseline ? 6_370 : 17_885,
        BestEpochParameters = arm == ArmKind.Baseline ? 6_370 : 17_885,
        FlopsPerSample = arm == ArmKind.Baseline ? 12_650.5 : 35_118.25,
        TrainingSeconds = 1.25 + seed,
        LatencyMilliseconds = 0.375,
        LatencyBatchSize = 256,
        EnergyJoules = 12.5 * seed,
        EnergySource = "test",
        Co2Grams = 0.0125,
        GrowthCutOff = arm == ArmKind.Dendritic ? true : null,
        DendriteCount = arm == ArmKind.Dendritic ? 2 : 0,
        Curve = new List<EpochRecord>
        {
            new() { Epoch = 1, TrainLoss = 0.75, ValidationMetric = test - 0.0125, TestMetric = test - 0.01, Parameters = 6_370 },
            new() { Epoch = 2, TrainLoss = 0.5, ValidationMetric = test + 0.0021, TestMetric = test, Parameters = 6_370, Growth = arm == ArmKind.Dendritic ? "grew" : null },
            new() { Epoch = 3, TrainLoss = 0.25, ValidationMetric = test - 0.0005, TestMetric = test + 0.001, Parameters = 17_885 },
        },
    };
}
