using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A model may hold non-finite values on purpose (an attention mask of -inf kept as a buffer). The scheduler puts back
/// the best weights it captured itself, from memory or from its own folder; neither may refuse what the model held.
/// </summary>
public sealed class NonFiniteBestWeightsTests : TempFolderTest
{
    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Finish_ModelWithAnInfiniteValue_PutsTheBestWeightsBackWithIt(BestWeightsKept storage)
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using (no_grad())
        {
            model.state_dict()["fc2.bias"][0] = double.NegativeInfinity;
        }

        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            BestWeightsDirectory = storage == BestWeightsKept.Disk ? Temp.File("best") : null,
        });
        scheduler.Step(1.0);
        using (no_grad())
        {
            model.state_dict()["fc2.bias"][1] = 42.0;
        }

        scheduler.Step(0.5);

        scheduler.Finish();

        using var bias = model.state_dict()["fc2.bias"];
        double.IsNegativeInfinity(bias[0].item<float>()).Should().BeTrue("the captured weights hold the infinity");
        bias[1].item<float>().Should().NotBe(42f, "the best weights were put back");
    }
}
