using System;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Wrapping;

/// <summary>Mistakes users make that must fail loudly and truthfully, and dispose scopes that must not free dendrites.</summary>
[TestFixture]
public sealed class WrapSharpEdgesTests
{
    [SetUp]
    public void Seed() => manual_seed(5);

    [Test]
    public void FirstForward_WrappedWithoutSampleAndHookBypassed_ThrowsAndModelStaysWrapped()
    {
        var model = new BypassModel();
        var handle = Dendrites.Wrap(model);
        using var input = randn(2, 4);

        var act = () => model.call(input);

        var thrown = act.Should().Throw<LayerNotInvokedException>().Which;
        thrown.LayerNames.Should().Equal("fc1");
        thrown.ModelUnwrapped.Should().BeFalse();
        thrown.Message.Should().Contain("first forward pass").And.Contain(".call(x)").And.Contain("still wrapped").And.NotContain("left unwrapped");
        act.Should().Throw<LayerNotInvokedException>("every forward fails until the hook runs");
        handle.Layers.Should().HaveCount(1);
    }

    [Test]
    public void FirstForward_WrappedWithoutSampleAndHooksReached_RunsTheDendrites()
    {
        var model = new ConcreteFieldModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var input = randn(3, 4);
        using (no_grad())
        {
            foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
            {
                set.OutputScale.fill_(0.5);
            }
        }

        using var withDendrites = model.call(input);
        using var again = model.call(input);
        Tensor without;
        using (handle.Disable())
        {
            without = model.call(input);
        }

        TensorAssert.Identical(again, withDendrites);
        (withDendrites - without).abs().max().item<float>().Should().BeGreaterThan(0f);
        without.Dispose();
    }

    [Test]
    public void FirstForward_AfterUnwrap_NoLongerChecks()
    {
        var model = new BypassModel();
        Dendrites.Wrap(model).Unwrap();

        var act = () => model.call(randn(2, 4)).Dispose();

        act.Should().NotThrow();
    }

    [Test]
    public void Verify_HookBypassed_SaysTheModelIsStillWrapped()
    {
        var model = new BypassModel();
        var handle = Dendrites.Wrap(model);

        var act = () => handle.Verify(() => model.call(randn(2, 4)));

        var thrown = act.Should().Throw<LayerNotInvokedException>().Which;
        thrown.ModelUnwrapped.Should().BeFalse();
        thrown.Message.Should().Contain("check pass").And.Contain("still wrapped").And.NotContain("left unwrapped");
        handle.Layers.Should().HaveCount(1, "Verify does not unwrap");
        handle.Report().Layers.Should().HaveCount(1);
    }

    [Test]
    public void Wrap_SampleInputBypassesHook_SaysTheModelWasLeftUnwrapped()
    {
        var model = new BypassModel();

        var act = () => Dendrites.Wrap(model, sampleInput: randn(2, 4));

        var thrown = act.Should().Throw<LayerNotInvokedException>().Which;
        thrown.ModelUnwrapped.Should().BeTrue();
        thrown.Message.Should().Contain("left unwrapped").And.NotContain("still wrapped");
    }

    [TestCase(0)]
    [TestCase(1)]
    public void Wrap_HookBypassedWithOrWithoutDendrites_MessageSaysTheHookDidNotRun(int dendrites)
    {
        var act = () => Dendrites.Wrap(new BypassModel(), new WrapOptions { InitialDendrites = dendrites }, sampleInput: randn(2, 4));

        // With no dendrite yet, "the dendrites of fc1 did not run" would name something fc1 does not have.
        act.Should().Throw<LayerNotInvokedException>()
            .WithMessage("The wrapper of fc1 (its forward hook, or the DendriteLayer that replaced it) did not run during the check pass.*")
            .Which.Message.Should().NotContain("dendrites of");
    }

    [Test]
    public void Verify_HookBypassedWithoutDendrites_MessageDoesNotSayItsDendritesDoNotRun()
    {
        var model = new BypassModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });

        var act = () => handle.Verify(() => model.call(randn(2, 4)));

        act.Should().Throw<LayerNotInvokedException>().WithMessage("The wrapper of fc1 *still wrapped: that layer's dendrites, now or once grown, do not run*");
    }

    [Test]
    public void Wrap_SampleTheModelCannotTake_ThrowsWrapErrorWithLibTorchsReasonAndLeavesTheModelUnwrapped()
    {
        var model = nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 26 * 26, 10)));
        using var flat = randn(4, 784);

        var act = () => Dendrites.Wrap(model, sampleInput: flat);

        var thrown = act.Should().Throw<DendriteWrapException>().Which;
        thrown.Message.Should().Contain("4x784").And.Contain("conv2d").And.Contain("shaped like the model's training input").And.Contain("left unwrapped")
            .And.NotContain("\n", "only the first line of libtorch's message, not its native stack");
        thrown.InnerException.Should().BeOfType<System.Runtime.InteropServices.ExternalException>();
        model.modules().OfType<DendriteLayer>().Should().BeEmpty();
        using var images = randn(4, 1, 28, 28);
        Dendrites.Wrap(model, sampleInput: images).Layers.Should().HaveCount(2, "the failed attempt left nothing behind");
    }

    [Test]
    public void Wrap_SampleTorchSharpRefusesBeforeLibTorch_ThrowsWrapErrorWithItsReasonAndLeavesTheModelUnwrapped()
    {
        // A hooked Conv2d runs TorchSharp's own forward, which checks the input's rank itself and throws a managed
        // ArgumentException before libtorch sees the tensor.
        var model = new ConcreteFieldCnn();
        var keys = model.state_dict().Keys.ToList();
        using var flat = randn(4, 64);

        var act = () => Dendrites.Wrap(model, sampleInput: flat);

        var thrown = act.Should().Throw<DendriteWrapException>().Which;
        thrown.Message.Should().Contain("the model's forward pass threw ArgumentException in module 'conv1' (Conv2d) on the sample input (4x64").And.Contain("to Conv2d").And.Contain("left unwrapped");
        thrown.InnerException.Should().BeOfType<ArgumentException>();
        model.state_dict().Keys.Should().Equal(keys);
        using var images = randn(4, 1, 8, 8);
        Dendrites.Wrap(model, sampleInput: images).Layers.Should().HaveCount(4, "the failed attempt left nothing behind");
    }

    [Test]
    public void Load_SampleTheModelCannotTake_ThrowsWrapErrorAndLeavesTheFreshModelUnwrapped()
    {
        static nn.Module<Tensor, Tensor> Build() => nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 26 * 26, 10)));
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "cnn.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(Build(), new WrapOptions { InitialDendrites = 1 }), path);
        var fresh = Build();
        using var flat = randn(4, 784);

        var act = () => DendriteCheckpoint.Load(fresh, path, sampleInput: flat);

        act.Should().Throw<DendriteWrapException>().WithMessage("*4x784*conv2d*left unwrapped*")
            .Which.InnerException.Should().BeOfType<System.Runtime.InteropServices.ExternalException>();
        fresh.modules().OfType<DendriteLayer>().Should().BeEmpty();
    }

    [Test]
    public void AddDendrites_InsideDisposeScope_ParametersOutliveTheScope()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });

        using (NewDisposeScope())
        {
            handle.AddDendrites(2);
        }

        ExpectUsable(handle, model, randn(3, 4));
    }

    [Test]
    public void Wrap_InsideDisposeScope_ParametersOutliveTheScope()
    {
        var model = new ConcreteFieldModel();
        DendriticModel handle;
        using (NewDisposeScope())
        {
            handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, randn(3, 4));
        }

        ExpectUsable(handle, model, randn(3, 4));
    }

    [Test]
    public void Constructor_InsideDisposeScope_ParametersOutliveTheScope()
    {
        DendriteLayer layer;
        using (NewDisposeScope())
        {
            layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        }

        using var output = layer.call(randn(2, 4));
        output.shape.Should().Equal(2, 3);
        layer.parameters().Should().OnlyContain(p => p.IsInvalid == false);
    }

    [Test]
    public void Load_InsideDisposeScope_ParametersOutliveTheScope()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var path = Path.Combine(folder, "model.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 2 }), path);
        var fresh = TestModels.Mlp();
        LoadedCheckpoint loaded;
        using (NewDisposeScope())
        {
            loaded = DendriteCheckpoint.Load(fresh, path);
        }

        ExpectUsable(loaded.Handle, fresh, randn(3, 4));
    }

    [Test]
    public void Wrap_ConvWithSamePaddingAndEvenKernel_ThrowsWrapErrorNamingTheLayer()
    {
        var model = nn.Sequential(("conv", nn.Conv2d(1, 2, 4, padding: Padding.Same)));

        var act = () => Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });

        var thrown = act.Should().Throw<DendriteWrapException>().Which;
        thrown.Message.Should().Contain("'conv'").And.Contain("padding");
        thrown.InnerException.Should().BeOfType<UnsupportedHostException>();
        model.named_modules().Select(m => m.Item2).OfType<DendriteLayer>().Should().BeEmpty("nothing is half-applied");
    }

    [Test]
    public void Constructor_Embedding_ThrowsTypedErrorListingSupportedTypes()
    {
        var act = () => new DendriteLayer(nn.Embedding(10, 4));

        var thrown = act.Should().Throw<UnsupportedHostException>().Which;
        thrown.Should().BeAssignableTo<DendriticException>();
        thrown.HostType.Should().Be("Embedding");
        thrown.LayerName.Should().BeEmpty();
        thrown.Message.Should().Contain("Embedding").And.Contain("Linear, Conv1d, Conv2d, Conv3d").And.Contain("DendriteLayer")
            .And.NotContain("Layer ''").And.NotContain("targets");
    }

    [Test]
    public void Report_ReplacedLayerCalledWithForward_StillCountsItsPositions()
    {
        var model = new DirectForwardModel();
        var handle = Dendrites.Wrap(model, sampleInput: randn(2, 5, 4));

        handle.Layers.Should().ContainSingle().Which.Mode.Should().Be(AttachMode.Replaced);
        handle.Report().Layers[0].PositionsPerSample.Should().Be(5, "five time steps, counted although forward() bypasses hooks");
    }

    /// <summary>Uses every new dendrite parameter after the scope that created it has been disposed.</summary>
    private static void ExpectUsable(DendriticModel handle, nn.Module model, Tensor input)
    {
        handle.DendriteParameters().Should().NotBeEmpty().And.OnlyContain(p => !p.IsInvalid);
        using (no_grad())
        {
            foreach (var parameter in handle.DendriteParameters())
            {
                parameter.add_(0.1);
            }
        }

        using var output = ((nn.Module<Tensor, Tensor>)model).call(input);
        output.sum().backward();
        handle.DendriteParameters().Select(p => p.grad).Should().NotContainNulls();
        input.Dispose();
    }

    /// <summary>A general-typed field (so the layer is replaced) that the parent calls with forward().</summary>
    private sealed class DirectForwardModel : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc;

        public DirectForwardModel()
            : base(nameof(DirectForwardModel))
        {
            fc = nn.Linear(4, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => fc.forward(input);
    }
}
