using System;
using System.Collections.Generic;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using static Dendritic.GrowthReason;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// One test per rule of the original perforatedai 3.0.5 that <see cref="GrowthOptions.PerforatedAICompatible"/>
/// reproduces. Each scripts a score sequence whose decisions follow from the named function of the original
/// (tracker_perforatedai.py, modules_perforatedai.py, globals_perforatedai.py); docs/parity.md lists the rules.
/// The scheduler sequences were also fed to the original tracker with samples/Dendritic.Pilot/parity/trace_original.py
/// (with a dummy first score in front where a test keeps <see cref="GrowthOptions.FirstScoreIsBest"/>, which the
/// original cannot) and it switched, retried and completed at the same scores.
/// </summary>
[TestFixture]
public sealed class PerforatedAIRulesTests
{
    private static (List<GrowthDecision> Decisions, FakeGrowthModel Model) Run(GrowthOptions options, params double[] scores)
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, options, null);
        var decisions = new List<GrowthDecision>();
        foreach (var score in scores)
        {
            if (scheduler.IsCompleted)
            {
                break;
            }

            model.Train();
            decisions.Add(scheduler.Step(score));
        }

        return (decisions, model);
    }

    private static GrowthReason[] Reasons(IEnumerable<GrowthDecision> decisions) => decisions.Select(d => d.Reason).ToArray();

    [Test]
    public void PlateauAtPatience_CountReachesPatience_GrowsLikeSwitchTime()
    {
        // switch_time: num_epochs_run - epoch_last_improved >= n_epochs_to_switch, so with n = 3 the third
        // non-improving epoch switches; the classic rule (count > patience) waits for a fourth.
        var scores = new[] { 0.5, 0.5, 0.5, 0.5, 0.5 };

        var (original, _) = Run(ClassicRules.Options with { Patience = 3, PlateauAtPatience = true }, scores);
        var (classic, _) = Run(ClassicRules.Options with { Patience = 3 }, scores);

        Reasons(original).Take(4).Should().Equal(FirstScore, NoImprovement, NoImprovement, Grew);
        Reasons(classic).Should().Equal(FirstScore, NoImprovement, NoImprovement, NoImprovement, Grew);
    }

    [Test]
    public void PlateauAtPatience_ZeroPatience_IsRejected()
    {
        var act = () => new GrowthOptions { Patience = 0, PlateauAtPatience = true }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(GrowthOptions.Patience));
    }

    [Test]
    public void PatienceAgainstCycleBest_GrowthStillImprovingOnItself_KeepsTrainingLikeResetValsForScoreReset()
    {
        // reset_vals_for_score_reset sets current_best_validation_score to 0 after a switch; check_new_best then
        // restarts the patience whenever the running score beats the cycle's best (the first score after the switch
        // always does), and sets current_n_set_global_best only when it also beats the global best.
        var options = ClassicRules.Options with { Patience = 2, PlateauAtPatience = true, PatienceAgainstCycleBest = true, MaxRetries = 0 };
        var scores = new[] { 0.5, 0.6, 0.6, 0.6, /* grown: */ 0.55, 0.57, 0.58, 0.59, 0.59, 0.59 };

        var (cycle, model) = Run(options, scores);
        var (global, _) = Run(options with { PatienceAgainstCycleBest = false }, scores);

        Reasons(cycle).Should().Equal(FirstScore, Improved, NoImprovement, Grew, CycleBest, CycleBest, CycleBest, CycleBest, NoImprovement, RetriesExhausted);
        cycle.Skip(4).Take(4).Should().OnlyContain(d => d.BestScore == 0.6, "the global best is unchanged: these are cycle bests");
        model.DendriteCount.Should().Be(0, "the growth never beat the global best, so process_no_improvement reverts it");
        Reasons(global).Should().Equal(FirstScore, Improved, NoImprovement, Grew, NoImprovement, RetriesExhausted);
    }

    [Test]
    public void PatienceAgainstCycleBest_GrowthBeatsGlobalBest_IsKept()
    {
        // check_new_best: a cycle best that also beats global_best_validation_score sets current_n_set_global_best,
        // so at the switch add_validation_score adds the next set instead of calling process_no_improvement.
        var options = ClassicRules.Options with { Patience = 2, PlateauAtPatience = true, PatienceAgainstCycleBest = true, MaxDendrites = 2 };

        var (decisions, model) = Run(options, 0.5, 0.6, 0.6, 0.6, /* grown: */ 0.55, 0.61, 0.61, 0.61, /* grown again: */ 0.6);

        Reasons(decisions).Should().Equal(FirstScore, Improved, NoImprovement, Grew, CycleBest, Improved, NoImprovement, Grew, CycleBest);
        model.DendriteCount.Should().Be(2);
        decisions[^1].BestScore.Should().Be(0.61);
    }

    [Test]
    public void FirstScoreIsBest_False_NeverCountsEpochZeroLikeCheckNewBest()
    {
        // check_new_best: enough_time is false at epoch 0 (epochs_since_cycle_switch 0 is not > 0), so the first
        // score is only saved as a fallback; at epoch 1 current_best_validation_score is still 0, so that score becomes
        // the best whatever it is, and later scores are compared with it, not with the first.
        var options = ClassicRules.Options with { Patience = 2, PlateauAtPatience = true, FirstScoreIsBest = false };

        var (decisions, model) = Run(options, 0.9, 0.5, 0.6, 0.6, 0.6);

        Reasons(decisions).Should().Equal(FirstScore, FirstScore, Improved, NoImprovement, Grew);
        decisions[1].BestScore.Should().Be(0.5);
        decisions[2].BestScore.Should().Be(0.6);
        model.Operations.Should().StartWith("restore:3", "the growth starts from the best weights, those of the 0.6 score");
    }

    [Test]
    public void FirstScoreIsBest_True_TakesTheFirstScoreAsBest()
    {
        var (decisions, _) = Run(ClassicRules.Options with { Patience = 2, PlateauAtPatience = true }, 0.9, 0.5, 0.6);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, Grew);
    }

    [Test]
    public void Thresholds_ByDendriteCountAndRaw_FollowScoreBeatsCurrentBest()
    {
        // score_beats_current_best: new * (1 - improvement_threshold) > old and new - improvement_threshold_raw > old,
        // with improvement_threshold read through getter_val as [1e-3, 1e-4, 0][num_dendrites_added]. On percentages:
        // 0 sets need about +0.09 over 90, 1 set about +0.009, 2 sets just the raw 1e-5.
        var options = GrowthOptions.PerforatedAICompatible with { Patience = 1, FirstScoreIsBest = true, PatienceAgainstCycleBest = false, MaxDendrites = 3 };

        var (decisions, _) = Run(
            options,
            90.0,
            90.08, // 0 sets: not above 90 + 0.09 -> plateau, grow
            90.10, // 1 set: above 90 + 0.009 -> improves
            90.105); // 1 set: not above 90.10 + 0.009 -> plateau, grow
        Reasons(decisions).Should().Equal(FirstScore, Grew, Improved, Grew);

        var (raw, _) = Run(options with { Patience = 3 }, 90.0, 90.0, 90.0, 90.0, /* 1 set */ 90.2, 90.2, 90.2, 90.2, /* 2 sets */ 90.20002, 90.200025);
        Reasons(raw).Should().Equal(FirstScore, NoImprovement, NoImprovement, Grew, Improved, NoImprovement, NoImprovement, Grew, Improved, NoImprovement);
    }

    [Test]
    public void Retry_RewindsCounters_LikeProcessNoImprovementLoadingBestModel()
    {
        // process_no_improvement reloads best_model through change_learning_modes/load_system, which resets
        // current_best_validation_score and sets epoch_last_improved to the loaded epoch: the retried growth gets a
        // full patience and a fresh cycle best. max_dendrite_tries 2 allows two retries (three attempts in all).
        var options = GrowthOptions.PerforatedAICompatible with { Patience = 2 };

        var (decisions, model) = Run(options, 50, 55, 60, 60, 60, /* try 1 */ 55, 55, 55, /* try 2 */ 56, 56, 56, /* try 3 */ 57, 57, 57);

        Reasons(decisions).Should().Equal(
            FirstScore, FirstScore, Improved, NoImprovement, Grew, CycleBest, NoImprovement, Retried, CycleBest, NoImprovement, Retried, CycleBest, NoImprovement, RetriesExhausted);
        decisions.Where(d => d.Reason == Retried).Should().OnlyContain(d => d.BadValidations == 0);
        decisions.Where(d => d.Reason == Retried).Should().OnlyContain(d => d.DendriteCount == 1, "each retry reverts the set and adds a fresh one");
        model.DendriteCount.Should().Be(0, "after the third failed attempt the best model, without dendrites, is restored");
    }

    [Test]
    public void PerforatedAICompatible_HasTheOriginalsDefaults()
    {
        var options = GrowthOptions.PerforatedAICompatible.Validate();

        options.Patience.Should().Be(10, "n_epochs_to_switch defaults to 10");
        options.MaxDendrites.Should().Be(100, "max_dendrites defaults to 100");
        options.MaxRetries.Should().Be(2, "max_dendrite_tries defaults to 2");
        options.RelativeThresholdByDendrites.Should().Equal(1e-3, 1e-4, 0);
        options.AbsoluteThreshold.Should().Be(1e-5);
        (options.PlateauAtPatience, options.PatienceAgainstCycleBest, options.FirstScoreIsBest).Should().Be((true, true, false));
    }

    [Test]
    public void NormalInitialization_DrawsLikeInitParams()
    {
        // init_params: every parameter of a new dendrite module is randn() * candidate_weight_initialization_multiplier
        // (0.01); the dendrite-to-neuron weights start at zero (set_mode("n") appends zeros to dendrites_to_top).
        using var layer = new DendriteLayer(nn.Linear(784, 64), DendriteOptions.PerforatedAICompatible);
        layer.AddDendrites();
        var set = layer.Branch.Sets[0];

        var std = set.Weight.std().item<float>();
        std.Should().BeInRange(0.009f, 0.011f);
        set.Weight.mean().item<float>().Should().BeInRange(-0.001f, 0.001f);
        set.Weight.abs().max().item<float>().Should().BeGreaterThan(1f / MathF.Sqrt(784) * 0.01f * 3, "not a uniform draw scaled to the fan-in");
        set.OutputScale.abs().sum().item<float>().Should().Be(0);
    }
}
