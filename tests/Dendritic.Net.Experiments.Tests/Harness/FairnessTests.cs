using System.Linq;
using System.Threading;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>The harness gives the controls the dendritic arm's real budget and charges the dendritic arm its real cost.</summary>
[TestFixture]
public sealed class FairnessTests
{
    private static readonly ExperimentOptions Tiny = Synthetic.TinyOptions(3);

    private static RunResult Arm(ExperimentReport report, ArmKind arm) => report.Runs.Single(r => r.Arm == arm);

    [Test]
    public void Run_GrowthAfterTheLastEpoch_ReportsAndMatchesTheSelectedModel()
    {
        // A set added after the last epoch (as when the epoch limit cuts a retry short) never helped the selected model:
        // the report measures the selected model, and the capacity-matched control matches its parameter count.
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 3, GrowAfterEpoch = 3 }, Tiny).Run();

        var dendritic = Arm(report, ArmKind.Dendritic);
        dendritic.BestEpochParameters.Should().Be(Synthetic.ParametersAt(4), "every epoch trained and was validated without it");
        dendritic.Parameters.Should().Be(dendritic.BestEpochParameters, "the late set is not part of the reported model");
        dendritic.DendriteCount.Should().Be(0);
        Arm(report, ArmKind.CapacityMatched).Width.Should().Be(4);
    }

    [Test]
    public void Run_SlowGrowthStep_CountsInTheDendriticArmsTrainingSeconds()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 3, AfterEpoch = (_, _) => Thread.Sleep(200) }, Tiny).Run();

        Arm(report, ArmKind.Dendritic).TrainingSeconds.Should().BeGreaterThanOrEqualTo(0.6, "three growth decisions of at least 0.2 s each");
    }

    [Test]
    public void Run_CandidatePassesOverTrainingData_AddToTheControlsEpochs()
    {
        void OnePass(int epoch, GrowthContext context)
        {
            if (epoch == 2)
            {
                foreach (var loss in context.TrainingLosses())
                {
                    loss.Should().NotBeNull();
                }
            }
        }

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 3, AfterEpoch = OnePass }, Tiny).Run();

        Arm(report, ArmKind.Dendritic).Should().Match<RunResult>(r => r.Epochs == 3 && r.CandidatePasses == 1);
        Arm(report, ArmKind.TrainAsLong).Epochs.Should().Be(4);
        Arm(report, ArmKind.CapacityMatched).Epochs.Should().Be(4);
    }
}
