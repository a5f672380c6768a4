namespace Dendritic.Pilot;

/// <summary>Which layers of the encoder get dendrites (command-line names in brackets).</summary>
public enum EncoderTargets
{
    /// <summary>[attention-mlp] Every block's attention output projection and both MLP Linear layers. The default.</summary>
    AttentionMlp = 0,

    /// <summary>[mlp] Both MLP Linear layers of every block only.</summary>
    Mlp = 1,

    /// <summary>[all-linear] Every Linear layer: the patch embedding, query, key, value, output, the MLP layers and the head.</summary>
    AllLinear = 2,
}
