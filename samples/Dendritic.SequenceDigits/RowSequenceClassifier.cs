using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.SequenceDigits;

/// <summary>
/// A recurrent digit classifier written without dendrites in mind: each 28×28 image is read as a sequence of its 28
/// rows (28 pixels per step) by an LSTM or a GRU, and a Linear head classifies the last step's output. The recurrent
/// module is a field of its concrete type and is called with <c>call()</c>, so a forward hook can reach it.
/// </summary>
internal sealed class RowSequenceClassifier : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module rnn;
    private readonly nn.Module<Tensor, Tensor> head;

    public RowSequenceClassifier(bool gru, long hidden, long classes)
        : base(nameof(RowSequenceClassifier))
    {
        rnn = gru ? nn.GRU(28, hidden, batchFirst: true) : nn.LSTM(28, hidden, batchFirst: true);
        head = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    /// <param name="images">[batch, 1, 28, 28] pixels in [0, 1].</param>
    /// <returns>[batch, classes] logits.</returns>
    public override Tensor forward(Tensor images)
    {
        var rows = images.reshape(images.shape[0], 28, 28);
        var output = rnn is GRU gru ? gru.call(rows, null).Item1 : ((LSTM)rnn).call(rows, null).Item1;
        return head.call(output.select(1, -1));
    }
}
