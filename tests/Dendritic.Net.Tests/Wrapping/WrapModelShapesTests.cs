using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>Every model shape the wrapper supports: the dendrites run through the model's own forward.</summary>
[TestFixture]
public sealed class WrapModelShapesTests
{
    [SetUp]
    public void Seed() => manual_seed(42);

    [Test]
    public void Wrap_Sequential_ReplacesLayersAndKeepsOutput()
    {
        var model = TestModels.Mlp();
        using var input = randn(5, 4);
        using var before = model.call(input);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Select(l => (l.Name, l.Mode)).Should().Equal(("fc1", AttachMode.Replaced), ("fc2", AttachMode.Replaced));
        model.named_children().Select(c => c.Item2.GetType().Name).Should().Equal("DendriteLayer", "ReLU", "DendriteLayer");
        using var after = model.call(input);
        TensorAssert.Identical(after, before);
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_FieldsTypedAsGeneralModule_ReplacesThem()
    {
        var model = new GeneralFieldModel();
        using var input = randn(3, 4);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Replaced);
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_FieldsTypedAsConcreteLayer_HooksThem()
    {
        var model = new ConcreteFieldModel();
        using var input = randn(3, 4);
        using var before = model.call(input);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        model.First.Should().BeOfType<Linear>("the concrete field keeps its layer");
        using var after = model.call(input);
        TensorAssert.Identical(after, before);
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_ModuleListsAndModuleDict_ReplaceGeneralAndHookConcrete()
    {
        var model = new ContainerModel();
        using var input = randn(3, 4);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Select(l => (l.Name, l.Mode)).Should().Equal(
            ("general.0", AttachMode.Replaced),
            ("general.1", AttachMode.Replaced),
            ("concrete.0", AttachMode.Hooked),
            ("named.proj", AttachMode.Replaced));
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_ModuleListAndDictOfPlainModules_ReplacesThemAndUnwrapsBack()
    {
        var model = new PlainContainerModel();
        using var input = randn(3, 4);
        var keys = model.state_dict().Keys.ToList();

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Select(l => (l.Name, l.Mode)).Should().Equal(("list.0", AttachMode.Replaced), ("dict.head", AttachMode.Replaced));
        ExpectDendritesInEffect(handle, model, input);
        handle.Unwrap();
        model.named_modules().Select(m => m.Item2).Should().NotContain(m => m is DendriteLayer);
        model.state_dict().Keys.Should().Equal(keys);
    }

    [Test]
    public void Wrap_NestedModel_WrapsEveryLevel()
    {
        var model = new NestedModel();
        using var input = randn(2, 5);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Select(l => l.Name).Should().BeEquivalentTo("encoder.fc1", "encoder.fc2", "head");
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_Cnn_WrapsConvolutionsAndHead()
    {
        var model = TestModels.Cnn();
        using var input = randn(2, 1, 8, 8);
        using var before = model.call(input);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        handle.Layers.Select(l => l.Spec.Kind).Should().Equal(HostKind.Conv2d, HostKind.Conv2d, HostKind.Linear);
        using var after = model.call(input);
        TensorAssert.Identical(after, before);
        ExpectDendritesInEffect(handle, model, input);
        handle.Layers[0].PositionsPerSample.Should().Be(64, "conv1 sees 8x8 pixels");
        handle.Layers[1].PositionsPerSample.Should().Be(16, "conv2 sees 4x4 pixels after pooling");
    }

    [Test]
    public void Wrap_SequenceInput_NeuronsOnLastAxis()
    {
        var model = TestModels.Mlp(inputs: 6, hidden: 5, outputs: 4);
        using var input = randn(2, 7, 6);

        var handle = Dendrites.Wrap(model, sampleInput: input);

        using var output = model.call(input);
        output.shape.Should().Equal(2, 7, 4);
        handle.Layers[0].PositionsPerSample.Should().Be(7, "one position per time step");
        ExpectDendritesInEffect(handle, model, input);
    }

    [Test]
    public void Wrap_TwoLayersBypassHooks_MessageNamesBothInThePlural()
    {
        var act = () => Dendrites.Wrap(new ConcreteFieldModel(bypassHooks: true), sampleInput: randn(2, 4));

        act.Should().Throw<LayerNotInvokedException>()
            .WithMessage("*fc1, fc2*Their parents probably call them with .forward(x)*field typed as the concrete layer*exclude the layers*")
            .Which.LayerNames.Should().Equal("fc1", "fc2");
    }

    [Test]
    public void Wrap_ForwardBypassesHook_ThrowsNamingLayerAndLeavesModelUnwrapped()
    {
        var model = new BypassModel();
        var keys = model.state_dict().Keys.ToList();

        var act = () => Dendrites.Wrap(model, sampleInput: randn(2, 4));

        act.Should().Throw<LayerNotInvokedException>()
            .WithMessage("*fc1*.call(x)*Module<Tensor, Tensor>*")
            .Which.LayerNames.Should().Equal("fc1");
        model.state_dict().Keys.Should().Equal(keys);
        Dendrites.Wrap(model).Layers.Should().HaveCount(1, "the failed attempt left nothing behind");
    }

    [Test]
    public void Wrap_SequentialRootWithConcreteFieldInside_DendritesTrainMoveAndUnwrap()
    {
        // A Sequential walks only its own items in parameters(), to() and train(): a container registered on it would
        // hold dendrites that no optimizer built from the handle trains and no device or dtype move reaches.
        var model = nn.Sequential(("block", new ConcreteFieldModel()), ("act", nn.Tanh()));
        var keys = model.state_dict().Keys.ToList();
        using var input = randn(5, 4);
        using var before = model.call(input);

        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sampleInput: input);

        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        var trainable = handle.TrainableParameters().Select(p => p.Handle).ToHashSet();
        handle.DendriteParameters().Should().NotBeEmpty().And.OnlyContain(p => trainable.Contains(p.Handle), "an optimizer built from the handle must train the dendrites");
        handle.Layers.Select(l => l.DendriteKeyPrefix).Should().Equal("block.dendrites.block_fc1.", "block.dendrites.block_fc2.");
        handle.BaseStateDict().Keys.Should().Equal(keys);
        using (var after = model.call(input))
        {
            TensorAssert.Identical(after, before);
        }

        ExpectDendritesInEffect(handle, model, input);

        model.to(float64);
        handle.DendriteParameters().Should().OnlyContain(p => p.dtype == ScalarType.Float64, "the move must reach the dendrites");
        using (var input64 = input.to(float64))
        using (var moved = model.call(input64))
        {
            moved.dtype.Should().Be(ScalarType.Float64);
        }

        handle.Unwrap();
        model.state_dict().Keys.Should().Equal(keys, "Unwrap removes the container it put on the block");
        Dendrites.Wrap(model).Layers.Should().HaveCount(2, "the model can be wrapped again");
    }

    [Test]
    public void Wrap_SequentialRootWithConcreteFieldInside_CheckpointLoadsOntoAFreshModel()
    {
        static Sequential Build() => nn.Sequential(("block", new ConcreteFieldModel()), ("act", nn.Tanh()));
        var model = Build();
        using var input = randn(5, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, sampleInput: input);
        Perturbation.Perturb(model);
        using var expected = model.call(input);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"seq-hooked-{System.Guid.NewGuid():N}.dndt");
        try
        {
            DendriteCheckpoint.Save(handle, path);
            var fresh = Build();
            var loaded = DendriteCheckpoint.Load(fresh, path, sampleInput: input);

            loaded.Handle.DendriteCount.Should().Be(2);
            using var actual = fresh.call(input);
            TensorAssert.Identical(actual, expected);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    /// <summary>Gives every dendrite a non-zero u and checks the model's own forward now differs from the host-only output.</summary>
    private static void ExpectDendritesInEffect(DendriticModel handle, nn.Module model, Tensor input)
    {
        var typed = (nn.Module<Tensor, Tensor>)model;
        using (no_grad())
        {
            foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
            {
                set.OutputScale.fill_(0.5);
            }
        }

        using var on = typed.call(input);
        Tensor off;
        using (handle.Disable())
        {
            off = typed.call(input);
        }

        TensorAssert.MaxAbs(on - off).Should().BeGreaterThan(1e-3, "the dendrites must change the model's output");
        handle.Enabled.Should().BeTrue("the Disable scope restores the previous state");
        off.Dispose();
    }

    /// <summary>A ModuleList and a ModuleDict typed with the plain Module base class.</summary>
    private sealed class PlainContainerModel : nn.Module<Tensor, Tensor>
    {
        private readonly ModuleList<nn.Module> list;
        private readonly ModuleDict<nn.Module> dict;

        public PlainContainerModel()
            : base(nameof(PlainContainerModel))
        {
            list = nn.ModuleList<nn.Module>(nn.Linear(4, 5));
            dict = nn.ModuleDict<nn.Module>(("head", nn.Linear(5, 2)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) =>
            ((nn.Module<Tensor, Tensor>)dict["head"]).call(((nn.Module<Tensor, Tensor>)list[0]).call(input));
    }
}
