using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

/// <summary>
/// <see cref="GrowthScheduler.Step"/> inside a <c>torch.NewDisposeScope()</c>: the growth-scheduler docs once said to
/// call it outside any, while wrapping.md said growth steps may run inside. Everything a step keeps (new sets, the
/// best-weights copy, tensors read back from disk, cascade-correlation's candidates) leaves the scope, so it may.
/// </summary>
[TestFixture]
public sealed class GrowthSchedulerDisposeScopeTests
{
    [TestCase(BestWeightsKept.Memory, DendriteTrainingMode.GradientDescent)]
    [TestCase(BestWeightsKept.Disk, DendriteTrainingMode.GradientDescent)]
    [TestCase(BestWeightsKept.Memory, DendriteTrainingMode.CascadeCorrelation)]
    public void Step_InsideDisposeScopes_CapturesGrowsAndRestoresModelsThatOutliveThem(BestWeightsKept storage, DendriteTrainingMode training)
    {
        manual_seed(3);
        using var temp = new TempFolder();
        using var x = randn(16, 3);
        using var y = randn(16, 2);
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            Patience = 0,
            MaxRetries = 0,
            BestWeightsDirectory = storage == BestWeightsKept.Disk ? temp.File("best") : null,
            Training = training,
            CandidateLosses = () => Enumerable.Range(0, 2).Select(_ => nn.functional.mse_loss(model.call(x), y)),
        });
        using var atBest = model.call(x).detach();

        using (NewDisposeScope())
        {
            scheduler.Step(1.0);
        }

        Perturb(model);
        GrowthDecision grown;
        using (NewDisposeScope())
        {
            grown = scheduler.Step(0.5);
        }

        using (var afterGrowth = model.call(x).detach())
        {
            TensorAssert.Close(afterGrowth, atBest, 1e-6);
        }

        var newParametersValid = grown.NewParameters.All(p => !p.IsInvalid);

        Perturb(model);
        GrowthDecision done;
        using (NewDisposeScope())
        {
            done = scheduler.Step(0.4);
        }

        using var restored = model.call(x).detach();
        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        newParametersValid.Should().BeTrue("the sets added inside the second scope outlived it (until the revert removed them)");
        done.Reason.Should().Be(GrowthReason.RetriesExhausted);
        TensorAssert.Identical(restored, atBest, "the best weights captured inside the first scope survived it");
        model.parameters().All(p => !p.IsInvalid).Should().BeTrue();
    }
}
