using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class ModelCostTests
{
    private sealed class One : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> layer;

        public One(nn.Module<Tensor, Tensor> layer)
            : base(nameof(One))
        {
            this.layer = layer;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => layer.call(input);
    }

    [Test]
    public void FlopsPerSample_Linear_IsTwoPerMacPlusBias()
    {
        using var model = new One(nn.Linear(10, 5));
        using var x = randn(4, 10);

        ModelCost.FlopsPerSample(model, x).Should().Be((2 * 10 * 5) + 5);
    }

    [TestCase(0, 105)]
    [TestCase(1, 105 + (105 + (3 * 5)))]
    [TestCase(2, 105 + (105 + (3 * 5)) + (105 + (5 * 5)))]
    public void FlopsPerSample_DendriteLayer_AddsProjectionAndCascadePerSet(int sets, double expected)
    {
        using var model = new One(new DendriteLayer(nn.Linear(10, 5), dendrites: sets));
        using var x = randn(3, 10);

        ModelCost.FlopsPerSample(model, x).Should().Be(expected);
    }

    [Test]
    public void FlopsPerSample_Conv2d_CountsEveryOutputPosition()
    {
        using var model = new One(nn.Conv2d(2, 3, 3, padding: 1));
        using var x = randn(2, 2, 5, 5);

        ModelCost.FlopsPerSample(model, x).Should().Be((2.0 * 2 * 9 * 3 * 25) + (3 * 25));
    }

    [Test]
    public void FlopsPerSample_HookedDendritesWithHandle_CountLikeReplacedOnes()
    {
        using var model = Synthetic.Factory(4);
        using var x = randn(3, Synthetic.Features);
        var plain = ModelCost.FlopsPerSample(model, x);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, x);

        var wrapped = ModelCost.FlopsPerSample(model, x, handle);

        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Hooked);
        wrapped.Should().Be(plain + handle.Layers.Sum(l => FlopCounter.DendriteFlopsPerPosition(l.Spec, 1)));
    }

    [Test]
    public void FlopsPerSample_FullyWrappedModels_EqualTheLibraryReport()
    {
        // One counter (FlopCounter) behind both: hooked MLP layers and replaced convolution layers alike.
        using var mlp = Synthetic.Factory(4);
        using var mlpInput = randn(3, Synthetic.Features);
        using var cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3));
        using var cnnInput = randn(2, 1, 6, 6);

        foreach (var (model, input) in new[] { ((nn.Module<Tensor, Tensor>)mlp, mlpInput), (cnn, cnnInput) })
        {
            var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, input);
            var report = handle.Report();

            ModelCost.FlopsPerSample(model, input, handle).Should().Be((double)(report.WrappedHostFlopsPerSample! + report.DendriteFlopsPerSample!));
        }
    }

    [Test]
    public void FlopsPerSample_OneLayerWrapped_EqualsTheReportsWholeModel()
    {
        // The report counts the layers without dendrites too, so its whole-model figure is the harness's, not the wrapped layer's.
        using var mlp = Synthetic.Factory(4);
        using var mlpInput = randn(3, Synthetic.Features);
        using var cnn = nn.Sequential(("conv", nn.Conv2d(1, 4, 3, padding: 1)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("head", nn.Linear(4 * 6 * 6, 3)));
        using var cnnInput = randn(2, 1, 6, 6);

        foreach (var (model, input, layer) in new[] { ((nn.Module<Tensor, Tensor>)mlp, mlpInput, "output"), (cnn, cnnInput, "head") })
        {
            var plain = ModelCost.FlopsPerSample(model, input);
            var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named(layer), InitialDendrites = 1 }, input);
            var report = handle.Report();

            report.BaseFlopsPerSample.Should().Be((long)plain);
            ModelCost.FlopsPerSample(model, input, handle).Should().Be((double)report.TotalFlopsPerSample!);
        }
    }

    [Test]
    public void Parameters_MlpFromFactory_MatchesFormula()
    {
        using var model = Synthetic.Factory(7);

        ModelCost.Parameters(model).Should().Be(Synthetic.ParametersAt(7));
    }
}
