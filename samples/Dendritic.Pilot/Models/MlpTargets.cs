namespace Dendritic.Pilot;

/// <summary>Which layers of the MLP get dendrites (command-line names in brackets).</summary>
public enum MlpTargets
{
    /// <summary>[all] Both Linear layers, the hidden one and the output one. The default.</summary>
    All = 0,

    /// <summary>[hidden] The hidden Linear layer (inputs → width) only.</summary>
    Hidden = 1,

    /// <summary>[output] The output Linear layer (width → classes) only.</summary>
    Output = 2,
}
