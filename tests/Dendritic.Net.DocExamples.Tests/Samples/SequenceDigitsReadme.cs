using Dendritic;

namespace DocExamples.InSampleReadmes;

/// <summary>samples/Dendritic.SequenceDigits/README.md's example: an expression, the dendritic arm's options.</summary>
public static class SequenceDigitsReadme
{
    public static WrapOptions DendriticArm() =>
        // doc-example: samples/Dendritic.SequenceDigits/README.md
        new WrapOptions { Targets = LayerSelector.Named("rnn").Or(LayerSelector.AllSupported) }
        // end doc-example
        ;
}
