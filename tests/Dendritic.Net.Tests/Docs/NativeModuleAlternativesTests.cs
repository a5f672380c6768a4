using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Docs;

/// <summary>
/// The blocks docs/wrapping.md ("TorchSharp's native modules") recommends instead of TransformerEncoderLayer and
/// GRU, kept here line for line so that they cannot rot: every projection is a Linear that Wrap can reach.
/// </summary>
[TestFixture]
public sealed class NativeModuleAlternativesTests
{
    [Test]
    public void Wrap_EncoderBlockFromLinearLayers_WrapsEveryProjectionWithoutWarning()
    {
        var logger = new RecordingLogger();
        var block = new EncoderBlock(dim: 32, heads: 4, hidden: 64);

        var handle = Dendrites.Wrap(block, new WrapOptions { InitialDendrites = 1, Logger = logger }, sampleInput: randn(2, 5, 32));

        handle.Layers.Select(l => l.Name).Should().Equal("qkv", "outProj", "ff1", "ff2");
        handle.Report().NativeModules.Should().BeEmpty();
        logger.Entries.Should().NotContain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        block.call(randn(2, 5, 32)).shape.Should().Equal(2, 5, 32);
    }

    [Test]
    public void Wrap_GruFromLinearLayers_WrapsBothProjections()
    {
        var gru = new LinearGru(inputs: 8, hidden: 16);

        var handle = Dendrites.Wrap(gru, new WrapOptions { InitialDendrites = 1 }, sampleInput: randn(2, 5, 8));

        handle.Layers.Select(l => l.Name).Should().Equal("input", "recurrent");
        gru.call(randn(2, 5, 8)).shape.Should().Equal(2, 5, 16);
    }

    /// <summary>A pre-norm Transformer encoder layer built from Linear layers: every projection can carry dendrites.</summary>
    public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
    {
        // Typed as Module<Tensor, Tensor> so that Wrap replaces them (no hooks needed).
        private readonly nn.Module<Tensor, Tensor> qkv, outProj, ff1, ff2;
        private readonly LayerNorm norm1, norm2;
        private readonly long heads;

        public EncoderBlock(long dim, long heads, long hidden)
            : base(nameof(EncoderBlock))
        {
            qkv = nn.Linear(dim, 3 * dim);
            outProj = nn.Linear(dim, dim);
            ff1 = nn.Linear(dim, hidden);
            ff2 = nn.Linear(hidden, dim);
            norm1 = nn.LayerNorm(dim);
            norm2 = nn.LayerNorm(dim);
            this.heads = heads;
            RegisterComponents();
        }

        /// <summary>[batch, time, dim] to [batch, time, dim].</summary>
        public override Tensor forward(Tensor x)
        {
            long batch = x.shape[0], time = x.shape[1], dim = x.shape[2];
            var qkvHeads = qkv.call(norm1.call(x)).view(batch, time, 3, heads, dim / heads).permute(2, 0, 3, 1, 4);
            var attended = nn.functional.scaled_dot_product_attention(qkvHeads[0], qkvHeads[1], qkvHeads[2]);
            x = x + outProj.call(attended.transpose(1, 2).reshape(batch, time, dim));
            return x + ff2.call(nn.functional.relu(ff1.call(norm2.call(x))));
        }
    }

    /// <summary>A one-layer GRU built from Linear layers (PyTorch's gate equations): both projections can carry dendrites.</summary>
    public sealed class LinearGru : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> input, recurrent;
        private readonly long hidden;

        public LinearGru(long inputs, long hidden)
            : base(nameof(LinearGru))
        {
            input = nn.Linear(inputs, 3 * hidden);
            recurrent = nn.Linear(hidden, 3 * hidden);
            this.hidden = hidden;
            RegisterComponents();
        }

        /// <summary>[batch, time, inputs] to the hidden states [batch, time, hidden].</summary>
        public override Tensor forward(Tensor x)
        {
            var gatesIn = input.call(x).chunk(3, -1); // all time steps at once
            var h = zeros(x.shape[0], hidden, dtype: x.dtype, device: x.device);
            var states = new List<Tensor>();
            for (var t = 0; t < x.shape[1]; t++)
            {
                var gatesH = recurrent.call(h).chunk(3, -1);
                var reset = sigmoid(gatesIn[0].select(1, t) + gatesH[0]);
                var update = sigmoid(gatesIn[1].select(1, t) + gatesH[1]);
                var candidate = tanh(gatesIn[2].select(1, t) + reset * gatesH[2]);
                h = (1 - update) * candidate + update * h;
                states.Add(h);
            }

            return stack(states, 1);
        }
    }
}
