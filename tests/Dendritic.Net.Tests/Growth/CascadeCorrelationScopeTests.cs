using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Cascade-correlation growth with a model whose forward runs in its own dispose scope (standard TorchSharp practice)
/// and with a step taken inside <c>no_grad()</c>, both found in a newcomer's trial: the first crashed with "Tensor
/// invalid -- empty handle" (the scope freed the activations the observer kept), the second failed saying the loss
/// did not depend on the dendrites.
/// </summary>
[TestFixture]
public sealed class CascadeCorrelationScopeTests
{
    [SetUp]
    public void SetUp() => manual_seed(17);

    [TestCase(false, 1)]
    [TestCase(true, 1)]
    [TestCase(false, 3)]
    [TestCase(true, 3)]
    public void Step_ForwardInItsOwnDisposeScope_GrowsAndKeepsTheOutput(bool hooked, int poolSize)
    {
        var model = Model(hooked);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        handle.Layers.Select(l => l.Mode).Should().AllBeEquivalentTo(hooked ? AttachMode.Hooked : AttachMode.Replaced);
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(poolSize) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);
        using var before = model.call(x).detach();

        var grown = scheduler.Step(1);

        using var after = model.call(x).detach();
        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.CandidateCorrelation.Should().BeGreaterThan(0, "the candidates trained on activations and errors that were still alive");
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(1));
        TensorAssert.Identical(after, before, "u = 0 at connection");
    }

    [TestCase(ModelKind.Plain, false, 1)]
    [TestCase(ModelKind.Plain, false, 3)]
    [TestCase(ModelKind.Plain, true, 1)]
    [TestCase(ModelKind.Plain, true, 3)]
    [TestCase(ModelKind.ScopedReplaced, false, 1)]
    [TestCase(ModelKind.ScopedReplaced, true, 3)]
    [TestCase(ModelKind.ScopedHooked, false, 3)]
    [TestCase(ModelKind.ScopedHooked, true, 1)]
    public void TrainCandidates_AnyForwardAndDelegate_LeavesNoTensorAlive(ModelKind kind, bool iterator, int poolSize)
    {
        // An array-returning delegate ran every forward pass before the first batch's scope opened, so their tensors
        // were left to the finalizer: 6 per layer and candidate per pass on this model (found with this test).
        var model = kind == ModelKind.Plain ? TestModels.TanhMlp() : Model(hooked: kind == ModelKind.ScopedHooked);
        var growth = new WrappedGrowthModel(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites(poolSize);
        var options = new CascadeCorrelationOptions { MaxEpochs = 3, Patience = 3, PoolSize = poolSize };
        var parametersBefore = model.parameters().Count();
        IEnumerable<Tensor> Iterate()
        {
            yield return nn.functional.mse_loss(model.call(x), y);
        }

        Func<IEnumerable<Tensor>> losses = iterator ? Iterate : () => new[] { nn.functional.mse_loss(model.call(x), y) };
        CandidateTrainingResult? result = null;

        var added = LiveTensors.Added(() => result = growth.TrainCandidates(losses, options, (_, _) => { }));

        result!.Correlation.Should().BeGreaterThan(0);
        var parametersRemoved = parametersBefore - model.parameters().Count();
        parametersRemoved.Should().Be(poolSize == 1 ? 0 : 2 * 2 * 4, "the pool removes two candidates' D, bias, v and u per layer");
        added.Should().Be(-parametersRemoved, "what is kept across a forward is disposed after each batch, and the forward passes' tensors with their pass");
    }

    [TestCase(false, 1)]
    [TestCase(true, 3)]
    public void TrainCandidates_LayerCalledTwicePerForward_ThrowsNamingTheLayerAndGradientDescent(bool iterator, int poolSize)
    {
        // Observe kept the second call's activations, the tap delivered the first call's error: a shape error, or
        // (same shapes, as here) a silently wrong pairing.
        var model = new CalledTwice();
        var growth = new WrappedGrowthModel(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites(poolSize);
        var options = new CascadeCorrelationOptions { MaxEpochs = 3, Patience = 3, PoolSize = poolSize };
        IEnumerable<Tensor> Iterate()
        {
            yield return nn.functional.mse_loss(model.call(x), y);
        }

        Func<IEnumerable<Tensor>> losses = iterator ? Iterate : () => new[] { nn.functional.mse_loss(model.call(x), y) };

        var act = () => growth.TrainCandidates(losses, options, (_, _) => { });

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Layer 'fc1' ran 2 times*one activation with one error per layer per batch*DendriteTrainingMode.GradientDescent*");
        growth.Branches.Should().AllSatisfy(b => b.Observer.Should().BeNull("the trainer detaches its observers on the way out"));
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Step_InsideNoGrad_TrainsTheCandidatesAsOutsideIt(int poolSize)
    {
        var model = Model(hooked: false);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(poolSize) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        GrowthDecision grown;
        using (no_grad())
        {
            // Validate and step in one block, as one naturally writes it.
            using var validation = model.call(x);
            grown = scheduler.Step(1);
            is_grad_enabled().Should().BeFalse("the step leaves the caller's grad mode as it found it");
        }

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.CandidateCorrelation.Should().BeGreaterThan(0);
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(1));
    }

    [Test]
    public void Step_InsideInferenceMode_ThrowsSayingToStepOutsideIt()
    {
        // enable_grad() does not lift inference mode, so the no_grad() remedy cannot apply there.
        var model = Model(hooked: false);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var scheduler = new GrowthScheduler(handle, Options(1) with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);

        using (inference_mode())
        {
            var act = () => scheduler.Step(1);

            act.Should().Throw<InvalidOperationException>().WithMessage("*inside torch.inference_mode()*Call Step outside inference_mode()*");
        }
    }

    [Test]
    public void Step_LossComputedUnderNoGradInsideCandidateLosses_SaysSo()
    {
        var model = Model(hooked: false);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        IEnumerable<Tensor> Losses()
        {
            using var noGrad = no_grad();
            yield return nn.functional.mse_loss(model.call(x), y);
        }

        var scheduler = new GrowthScheduler(handle, Options(1) with { CandidateLosses = Losses });
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("*does not depend on the model's dendrites*no_grad()*");
    }

    private static GrowthOptions Options(int poolSize) => ClassicRules.Options with
    {
        Patience = 0,
        Training = DendriteTrainingMode.CascadeCorrelation,
        CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = poolSize, MaxEpochs = 3, Patience = 3 },
    };

    public enum ModelKind
    {
        /// <summary>Linear, Tanh, Linear in a Sequential: its forward runs in the caller's scope.</summary>
        Plain,

        /// <summary><see cref="ScopedReplaced"/>.</summary>
        ScopedReplaced,

        /// <summary><see cref="ScopedHooked"/>.</summary>
        ScopedHooked,

        /// <summary><see cref="CalledTwice"/>.</summary>
        CalledTwice,
    }

    private static nn.Module<Tensor, Tensor> Model(bool hooked) => hooked ? new ScopedHooked() : new ScopedReplaced();

    /// <summary>
    /// Linear 3 -> 6, Tanh, Linear 6 -> 2, with its forward in a dispose scope that frees every intermediate tensor and
    /// moves only the output out. Its fields are typed as a general module, so the wrapper replaces them.
    /// </summary>
    private sealed class ScopedReplaced : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc1 = nn.Linear(3, 6);
        private readonly nn.Module<Tensor, Tensor> fc2 = nn.Linear(6, 2);

        public ScopedReplaced()
            : base(nameof(ScopedReplaced))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return scope.MoveToOuter(fc2.call(fc1.call(input).tanh()));
        }
    }

    /// <summary>One layer called twice per forward (shared weights, as in a recurrent loop), in a scope, then a head.</summary>
    private sealed class CalledTwice : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc1 = nn.Linear(3, 3);
        private readonly nn.Module<Tensor, Tensor> fc2 = nn.Linear(3, 2);

        public CalledTwice()
            : base(nameof(CalledTwice))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return scope.MoveToOuter(fc2.call(fc1.call(fc1.call(input).tanh()).tanh()));
        }
    }

    /// <summary>As <see cref="ScopedReplaced"/> with fields typed as <see cref="Linear"/>, so the wrapper hooks them.</summary>
    private sealed class ScopedHooked : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1 = nn.Linear(3, 6);
        private readonly Linear fc2 = nn.Linear(6, 2);

        public ScopedHooked()
            : base(nameof(ScopedHooked))
        {
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return scope.MoveToOuter(fc2.call(fc1.call(input).tanh()));
        }
    }
}
