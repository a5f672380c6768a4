using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// A time-first sequence tagger: a GRU built with batch_first: false, then a Linear on every step, so its output keeps
/// the input's layout, [time, batch, classes].
/// </summary>
internal sealed class TimeFirstTagger : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly GRU rnn;
    private readonly Linear head;

    public TimeFirstTagger(long inputs, long hidden, long classes)
        : base(nameof(TimeFirstTagger))
    {
        rnn = nn.GRU(inputs, hidden, batchFirst: false);
        head = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.call(rnn.call(input, null).Item1);

    public string ExportOnnx(OnnxGraphBuilder builder, string input) =>
        builder.AddModule(head, builder.AddModule(rnn, input, nameof(rnn)), nameof(head));
}
