using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// The evaluator's LSTM and GRU (opset 14, the form in opset 17) against TorchSharp's own LSTM and GRU modules, with
/// the weights laid out as ONNX takes them (gates reordered, biases concatenated); the exporter's own recurrent nodes,
/// computed, give the module's output; and the forms it leaves unknown, saying why.
/// </summary>
public class SampleRecurrentEvaluatorTests
{
    [TestCase(true, false)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(false, true)]
    public void TryEvaluate_RecurrentNodeWithInitialStates_MatchesTorchSharpsModule(bool lstm, bool bidirectional)
    {
        torch.manual_seed(980);
        using var scope = torch.NewDisposeScope();
        var directions = bidirectional ? 2 : 1;
        var (x, h0, c0) = (randn(5, 3, 4), randn(directions, 3, 6), randn(directions, 3, 6));
        using var module = FixedRecurrent.Make(lstm, 4, 6, bidirectional, 981);
        var expectedY = module is LSTM l ? l.call(x, (h0, c0)).Item1 : ((GRU)module).call(x, h0).Item1;

        var (w, r, b) = FixedRecurrent.Weights(lstm, 4, 6, bidirectional, 981, lstm ? FixedRecurrent.LstmOrder : FixedRecurrent.GruOrder);
        var inputs = lstm ? new Tensor?[] { x, w, r, b, null, h0, c0 } : new Tensor?[] { x, w, r, b, null, h0 };
        var attributes = new Dictionary<string, object> { ["hidden_size"] = 6L, ["direction"] = bidirectional ? "bidirectional" : "forward" };
        if (!lstm)
        {
            attributes["linear_before_reset"] = 1L;
        }

        var y = SampleEvaluator.TryEvaluate(lstm ? "LSTM" : "GRU", inputs, attributes, out var reason);

        y.Should().NotBeNull(reason);
        y!.shape.Should().Equal(5, directions, 3, 6);
        ShouldMatch(y.permute(0, 2, 1, 3).reshape(5, 3, -1), expectedY);
    }

    [Test]
    public void TryEvaluate_ReverseDirection_IsTheBackwardHalfOfABidirectionalModule()
    {
        torch.manual_seed(982);
        using var scope = torch.NewDisposeScope();
        var x = randn(4, 2, 3);
        var expected = FixedRecurrent.Forward(true, x, 5, bidirectional: true, 983)[.., .., 5..];
        var (w, r, b) = FixedRecurrent.Weights(true, 3, 5, bidirectional: true, 983, FixedRecurrent.LstmOrder);
        var attributes = new Dictionary<string, object> { ["hidden_size"] = 5L, ["direction"] = "reverse" };

        var y = SampleEvaluator.TryEvaluate("LSTM", new Tensor?[] { x, w[1..], r[1..], b[1..] }, attributes, out var reason);

        y.Should().NotBeNull(reason);
        ShouldMatch(y!.squeeze(1), expected);
    }

    [Test]
    public void TryEvaluate_GruResetBeforeTheRecurrentProduct_FollowsOnnxsEquation()
    {
        // linear_before_reset 0, ONNX's default, has no TorchSharp module: the step is written out here instead.
        torch.manual_seed(984);
        using var scope = torch.NewDisposeScope();
        var (x, w, r, b, h0) = (randn(1, 2, 3), randn(1, 12, 3), randn(1, 12, 4), randn(1, 24), randn(1, 2, 4));
        var (wz, wr, wh) = Gates(w[0]);
        var (rz, rr, rh) = Gates(r[0]);
        var (wbz, wbr, wbh) = Gates(b[0, ..12]);
        var (rbz, rbr, rbh) = Gates(b[0, 12..]);
        var (xt, h) = (x[0], h0[0]);
        var z = (xt.matmul(wz.t()) + h.matmul(rz.t()) + wbz + rbz).sigmoid();
        var reset = (xt.matmul(wr.t()) + h.matmul(rr.t()) + wbr + rbr).sigmoid();
        var candidate = (xt.matmul(wh.t()) + (reset * h).matmul(rh.t()) + rbh + wbh).tanh();
        var expected = ((1 - z) * candidate) + (z * h);

        var y = SampleEvaluator.TryEvaluate("GRU", new Tensor?[] { x, w, r, b, null, h0 }, new Dictionary<string, object> { ["hidden_size"] = 4L }, out var reason);

        y.Should().NotBeNull(reason);
        ShouldMatch(y![0, 0], expected);

        static (Tensor, Tensor, Tensor) Gates(Tensor value)
        {
            var parts = value.chunk(3, 0);
            return (parts[0], parts[1], parts[2]);
        }
    }

    [TestCase(false, 1, false, true)]
    [TestCase(false, 2, true, false)]
    [TestCase(true, 2, true, true)]
    [TestCase(true, 1, false, false)]
    public void RecurrentExport_NodesComputedOnTheSample_GiveTheModulesOutput(bool gru, int layers, bool bidirectional, bool batchFirst)
    {
        // The exporter's own LSTM and GRU nodes, computed by the evaluator in place as the converter writes them (gates
        // reordered, GRU's linear_before_reset 1, directions, batch_first by Transpose), give the module's output: the
        // evaluator reads the operators as the exporter writes them. The converter makes its weights in a dispose scope
        // of its own, which the builder's values outlive. While exporting, the module's own run gives that value instead.
        torch.manual_seed(985);
        using var scope = torch.NewDisposeScope();
        using var module = gru
            ? (nn.Module)nn.GRU(4, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional)
            : nn.LSTM(4, 5, layers, batchFirst: batchFirst, bidirectional: bidirectional);
        var x = randn(3, 6, 4);
        var expected = module is GRU g ? g.call(x, null).Item1 : ((LSTM)module).call(x, null).Item1;
        using var owner = new TestBuilder();
        owner.Builder.SetSample("x", x);

        var output = RecurrentExport.TryEmit(owner.Builder, module, "x", x)!;

        var computed = owner.Builder.Sample(output);
        computed.Should().NotBeNull(owner.Builder.WhyUnknown(output));
        ShouldMatch(computed!, expected.detach());
    }

    public static IEnumerable<TestCaseData> Refused()
    {
        yield return Refusal("LSTM: sequence_lens", "LSTM", () => Lstm(sequenceLengths: tensor(new[] { 4, 4 })), Hidden(), "sequence_lens");
        yield return Refusal("LSTM: peepholes", "LSTM", () => Lstm(peepholes: randn(1, 15)), Hidden(), "peepholes");
        yield return Refusal("LSTM: layout 1 (batch first)", "LSTM", () => Lstm(), Hidden(("layout", 1L)), "layout is 1");
        yield return Refusal("LSTM: clip", "LSTM", () => Lstm(), Hidden(("clip", 3.0)), "'clip'");
        yield return Refusal("LSTM: input_forget 1", "LSTM", () => Lstm(), Hidden(("input_forget", 1L)), "'input_forget'");
        yield return Refusal("LSTM: no hidden_size", "LSTM", () => Lstm(), new(), "'hidden_size'");
        yield return Refusal("LSTM: a hidden_size other than the weights'", "LSTM", () => Lstm(), new() { ["hidden_size"] = 4L }, "its W has shape [1, 20, 3]");
        yield return Refusal("LSTM: bidirectional with one direction's weights", "LSTM", () => Lstm(), Hidden(("direction", "bidirectional")), "2 direction(s)");
        yield return Refusal("LSTM: a direction ONNX does not have", "LSTM", () => Lstm(), Hidden(("direction", "backward")), "'backward'");
        yield return Refusal("LSTM: weights of another type than the input", "LSTM", () => Lstm(weightType: float64), Hidden(), "one type");
        yield return Refusal("LSTM: float64, which ONNX Runtime does not run", "LSTM", () => new Tensor?[] { randn(new long[] { 4, 2, 3 }, float64), randn(new long[] { 1, 20, 3 }, float64), randn(new long[] { 1, 20, 5 }, float64) }, Hidden(), "float32 only");
        yield return Refusal("LSTM: 2-D input", "LSTM", () => new Tensor?[] { randn(4, 3), randn(1, 20, 3), randn(1, 20, 5) }, Hidden(), "[time, batch, input]");
        yield return Refusal("GRU: an attribute of LSTM's", "GRU", () => new Tensor?[] { randn(4, 2, 3), randn(1, 15, 3), randn(1, 15, 5) }, Hidden(("input_forget", 0L)), "'input_forget' is not one that GRU takes");
    }

    [TestCaseSource(nameof(Refused))]
    public void TryEvaluate_RecurrentFormNotComputed_IsUnknownSayingWhy(string name, string opType, Func<Tensor?[]> inputs, Dictionary<string, object> attributes, string because)
    {
        _ = name;
        torch.manual_seed(986);
        using var scope = torch.NewDisposeScope();

        SampleEvaluator.TryEvaluate(opType, inputs(), attributes, out var reason).Should().BeNull();

        reason.Should().Contain(because);
    }

    /// <summary>An LSTM's inputs: X [4, 2, 3], W, R and B for hidden size 5, one direction, and the optional ones given.</summary>
    private static Tensor?[] Lstm(Tensor? sequenceLengths = null, Tensor? peepholes = null, ScalarType weightType = ScalarType.Float32) =>
        new[] { randn(4, 2, 3), randn(new long[] { 1, 20, 3 }, weightType), randn(1, 20, 5), randn(1, 40), sequenceLengths, null, null, peepholes };

    private static Dictionary<string, object> Hidden(params (string Name, object Value)[] more)
    {
        var attributes = new Dictionary<string, object> { ["hidden_size"] = 5L };
        foreach (var (name, value) in more)
        {
            attributes[name] = value;
        }

        return attributes;
    }

    /// <summary>Both sides are TorchSharp computations of the same recurrence, up to the rounding of another order of sums.</summary>
    private static void ShouldMatch(Tensor actual, Tensor expected)
    {
        actual.shape.Should().Equal(expected.shape);
        (actual - expected).abs().max().item<float>().Should().BeLessThanOrEqualTo(1e-5f);
    }

    private static TestCaseData Refusal(string name, string opType, Func<Tensor?[]> inputs, Dictionary<string, object> attributes, string because) =>
        new TestCaseData(name, opType, inputs, attributes, because).SetArgDisplayNames(name);
}
