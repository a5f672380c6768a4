using System;
using System.Linq;
using System.Text.RegularExpressions;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

[TestFixture]
public sealed class WrapTargetingTests
{
    [Test]
    public void Wrap_ByExactNameAndSuffix_TakesOnlyThoseLayers()
    {
        var model = new NestedModel();

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("encoder.fc1", "head") });

        handle.Layers.Select(l => l.Name).Should().BeEquivalentTo("encoder.fc1", "head");
    }

    [Test]
    public void Wrap_ByGlob_MatchesWithinSegments()
    {
        var handle = Dendrites.Wrap(new NestedModel(), new WrapOptions { Targets = LayerSelector.NameLike("encoder.fc?") });

        handle.Layers.Select(l => l.Name).Should().BeEquivalentTo("encoder.fc1", "encoder.fc2");
    }

    [Test]
    public void Wrap_ByRegexWithExclusion_TakesTheRest()
    {
        var targets = LayerSelector.NameMatches(new Regex("fc\\d$")).Except(LayerSelector.Named("fc2"));

        var handle = Dendrites.Wrap(new NestedModel(), new WrapOptions { Targets = targets });

        handle.Layers.Select(l => l.Name).Should().Equal("encoder.fc1");
    }

    [Test]
    public void Wrap_ByTypeAndPredicate_Combines()
    {
        var targets = LayerSelector.OfType<Conv2d>().Or(LayerSelector.Where((path, _) => path == "head", "the head"));

        var handle = Dendrites.Wrap(TestModels.Cnn(), new WrapOptions { Targets = targets });

        handle.Layers.Select(l => l.Name).Should().Equal("conv1", "conv2", "head");
    }

    [Test]
    public void Wrap_NameMatchingNothing_ThrowsListingCandidates()
    {
        var act = () => Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { Targets = LayerSelector.Named("fc3") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*name 'fc3' matches no layer*fc1, fc2*");
    }

    [Test]
    public void Wrap_GlobMatchingOnlyDeeperLayers_ThrowsNamingTheGlobThatWouldMatch()
    {
        var act = () => Dendrites.Wrap(new NestedModel(), new WrapOptions { Targets = LayerSelector.NameLike("fc?") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*glob 'fc?' matches no layer*'**.fc?' matches encoder.fc1, encoder.fc2.*");
    }

    [Test]
    public void Wrap_GlobMatchingNothingAtAnyDepth_ThrowsWithoutTheHint()
    {
        var act = () => Dendrites.Wrap(new NestedModel(), new WrapOptions { Targets = LayerSelector.NameLike("conv*") });

        act.Should().Throw<DendriteWrapException>().Which.Message.Should().Contain("matches no layer").And.NotContain("'**.");
    }

    [Test]
    public void Wrap_BareLinearLayer_ThrowsSayingTheModelIsItselfALayerAndTheFix()
    {
        var act = () => Dendrites.Wrap(nn.Linear(4, 3));

        act.Should().Throw<DendriteWrapException>().WithMessage("*The model is itself a Linear: wrap a model that holds it, or use new DendriteLayer(layer)*");
    }

    [Test]
    public void Wrap_NamedUnsupportedLayer_ThrowsNamingTypeAndFix()
    {
        var act = () => Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { Targets = LayerSelector.Named("act") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*'act' is a ReLU*Supported host types: Linear, Conv1d, Conv2d, Conv3d*");
    }

    [Test]
    public void Wrap_Twice_Throws()
    {
        var model = TestModels.Mlp();
        Dendrites.Wrap(model);

        var act = () => Dendrites.Wrap(model);

        act.Should().Throw<DendriteWrapException>().WithMessage("*already wrapped*");
    }

    [Test]
    public void Wrap_ModelAlreadyHoldingDendriteLayers_Throws()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        var act = () => Dendrites.Wrap(nn.Sequential(("inner", model)));

        act.Should().Throw<DendriteWrapException>().WithMessage("*inner.fc1*already carries dendrites*");
        handle.Layers.Should().HaveCount(2);
    }

    [Test]
    public void Wrap_HooksNotAllowedForConcreteField_ThrowsWithFix()
    {
        var act = () => Dendrites.Wrap(new ConcreteFieldModel(), new WrapOptions { AllowHooks = false });

        act.Should().Throw<DendriteWrapException>().WithMessage("*fc1*Module<Tensor, Tensor>*");
    }

    [Test]
    public void WrapOptions_NegativeInitialDendrites_ThrowsNamingTheOption()
    {
        var act = () => Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = -1 });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("InitialDendrites");
    }

    [Test]
    public void DendriteOptions_NonPositiveInitScale_ThrowsNamingTheOption()
    {
        var act = () => Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { Dendrite = new DendriteOptions { InitScale = 0 } });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Dendrite.InitScale");
    }

    [Test]
    public void Wrap_SampleInputOnModelWithoutTensorForward_Throws()
    {
        var act = () => Dendrites.Wrap(new NonTensorModel(), sampleInput: randn(1, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*Module<Tensor, Tensor>*Verify*");
    }

    [Test]
    public void Wrap_GlobMatchingOnlyANorm_ThrowsSayingGlobsTakeLinearAndConvolutionsAndWhatToUse()
    {
        // The norm can carry dendrites as a module host, but only a rule that names it takes it.
        var act = () => Dendrites.Wrap(ModuleHostModels.NormMlp(), new WrapOptions { Targets = LayerSelector.NameLike("no*") });

        act.Should().Throw<DendriteWrapException>().WithMessage("The glob 'no*' matches only norm (LayerNorm), none of them a Linear or convolution layer*LayerSelector.Named(...), OfType<T>() or Where(...)*");
    }

    [Test]
    public void Wrap_RegexMatchingOnlyANormInsideOr_ThrowsInsteadOfDroppingIt()
    {
        // Inside Or, the other rule's layers made the wrap succeed and this rule's match vanished without a word.
        var targets = LayerSelector.NameMatches(new Regex("norm$")).Or(LayerSelector.AllSupported);

        var act = () => Dendrites.Wrap(ModuleHostModels.NormMlp(), new WrapOptions { Targets = targets });

        act.Should().Throw<DendriteWrapException>().WithMessage("The regex 'norm$' matches only norm (LayerNorm)*");
    }

    [Test]
    public void Wrap_GlobOverABlockTakenAsAHost_IsNotRefusedForItsLayersInsideTheHost()
    {
        // The glob matches the block (a module host here) and its Linear layers, which the host's copies include.
        var targets = LayerSelector.OfType<Block>().Or(LayerSelector.NameLike("block**"));

        var handle = Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = targets, ModuleHosts = [ModuleHostModels.BlockHost] });

        handle.Layers.Select(l => l.Name).Should().Equal("block");
    }

    [Test]
    public void Wrap_GlobMatchingLinearsAndANorm_TakesTheLinearsAndLeavesTheNorm()
    {
        // A broad pattern that takes some layers still skips the norm: no dendrites on norms by surprise.
        var handle = Dendrites.Wrap(ModuleHostModels.NormMlp(), new WrapOptions { Targets = LayerSelector.NameLike("*") });

        handle.Layers.Select(l => l.Name).Should().Equal("fc", "out");
    }

    private sealed class NonTensorModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc = nn.Linear(2, 2);

        public NonTensorModel()
            : base(nameof(NonTensorModel)) => RegisterComponents();

        public override Tensor forward(Tensor a, Tensor b) => fc.call(a + b);
    }
}
